from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "up_api_tokens" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "document_id" VARCHAR(24) NOT NULL UNIQUE,
    "name" VARCHAR(255) UNIQUE,
    "description" VARCHAR(255),
    "type" VARCHAR(255),
    "access_key" VARCHAR(255) UNIQUE,
    "actions" JSON,
    "last_used_at" TIMESTAMP,
    "expires_at" TIMESTAMP,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "published_at" TIMESTAMP
);
CREATE TABLE IF NOT EXISTS "up_roles" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "document_id" VARCHAR(24) NOT NULL UNIQUE,
    "name" VARCHAR(255),
    "description" VARCHAR(255),
    "type" VARCHAR(255) UNIQUE,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "published_at" TIMESTAMP
);
CREATE TABLE IF NOT EXISTS "up_permissions" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "document_id" VARCHAR(24) NOT NULL UNIQUE,
    "action" VARCHAR(255),
    "condition" JSON,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "published_at" TIMESTAMP,
    "role_id" INT REFERENCES "up_roles" ("id") ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS "idx_up_permissi_role_id_9ed1bd" ON "up_permissions" ("role_id");
CREATE INDEX IF NOT EXISTS "idx_up_permissi_role_id_393416" ON "up_permissions" ("role_id", "action");
CREATE TABLE IF NOT EXISTS "registered_users" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "document_id" VARCHAR(24) NOT NULL UNIQUE,
    "username" VARCHAR(255) UNIQUE,
    "email" VARCHAR(255) UNIQUE,
    "provider" VARCHAR(255),
    "password" VARCHAR(255),
    "reset_password_token" VARCHAR(255),
    "confirmation_token" VARCHAR(255),
    "password_changed_at" TIMESTAMP,
    "confirmed" INT,
    "blocked" INT,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "published_at" TIMESTAMP,
    "role_id" INT REFERENCES "up_roles" ("id") ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS "idx_registered__role_id_efdef6" ON "registered_users" ("role_id");
CREATE TABLE IF NOT EXISTS "chat_users" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "document_id" VARCHAR(24) NOT NULL UNIQUE,
    "username" VARCHAR(255),
    "room" VARCHAR(255),
    "status" VARCHAR(255),
    "socket_id" VARCHAR(255),
    "last_seen_at" TIMESTAMP,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "published_at" TIMESTAMP,
    "user_id" INT REFERENCES "registered_users" ("id") ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS "idx_chat_users_user_id_157846" ON "chat_users" ("user_id");
CREATE INDEX IF NOT EXISTS "idx_chat_users_room_a71cf4" ON "chat_users" ("room", "status");
CREATE INDEX IF NOT EXISTS "idx_chat_users_user_id_3d0ef3" ON "chat_users" ("user_id", "room");
CREATE TABLE IF NOT EXISTS "messages" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "document_id" VARCHAR(24) NOT NULL UNIQUE,
    "text" TEXT,
    "room" VARCHAR(255),
    "client_id" VARCHAR(255),
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "published_at" TIMESTAMP,
    "recipient_id" INT REFERENCES "registered_users" ("id") ON DELETE SET NULL,
    "sender_id" INT REFERENCES "registered_users" ("id") ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS "idx_messages_recipie_6f2e5d" ON "messages" ("recipient_id");
CREATE INDEX IF NOT EXISTS "idx_messages_sender__0cb83e" ON "messages" ("sender_id");
CREATE INDEX IF NOT EXISTS "idx_messages_room_554a99" ON "messages" ("room", "created_at");
CREATE INDEX IF NOT EXISTS "idx_messages_sender__9a6e09" ON "messages" ("sender_id", "client_id");
CREATE INDEX IF NOT EXISTS "idx_messages_recipie_e15bb8" ON "messages" ("recipient_id", "created_at");
CREATE TABLE IF NOT EXISTS "aerich" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "version" VARCHAR(255) NOT NULL,
    "app" VARCHAR(100) NOT NULL,
    "content" JSON NOT NULL
);"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        """


MODELS_STATE = (
    "eJztXf9P2zgU/1es/MQkhjYOtomdTiqM3bgBRdDdpk1T5CZua+Hame1Qqh3/+9nO1yZpSV"
    "oopfVP0Of3HOfzbMfv8+zktzNkPiJipxXgDrtG1DkAvx0Kh0j9UyrbBg4MgqxECyTsEqMc"
    "Bi4MsCu1pimBXSE59KQq7EEikBL5SHgcBxIzfSEaEqKFzFOKmPZ1LS1AGO2/JPgG+cDjyE"
    "dUYkhAj3EQ2QoAqQ8E4jeIi/eAUTJWEvDprHUEWA9gCbAAQjJlq1sRUvwrRKpZfSQHiKtr"
    "/PipxJj66BaJ5Gdw7fYwIv7E7WNTgZG7chwY2QmVH42ibnjX9RgJhzRTDsZywGiqjanU0j"
    "6iiEOJdPWShxoJfe8xcgk4UUszlaiJORsf9WBIZA65rpvJHNc9b3fcq+OO6zp1sI5FHqPa"
    "T6qpwtx9Xzfh5e7rvbd77/54s/dOqZhmppK3d9GlM2AiQwPPece5M+VQwkjDYJyBqloQDp"
    "VTTyrAPRpAXo1uYuVWwqzaX4Q5AXUxnJ0/eyH1NITAG4qdeDx0Q0x8xHcoGrm5hv3lPJZL"
    "hvDWJYj25UD7YW8G/v+2Lo8+tS63dvde6AsyNf6i0Xkel+yaIu2izCXmbwNnJPpzeSHGeE"
    "U6+ySy+/t1oN3fn46tLpsEN9+yJh1+0uxBoE5UMqyzeXk9wDb4NEA50bfw1oIXeh4S4jMa"
    "N8E4MnKvIys7Z9TCWTdKlFH+56p9Pg3l1KQAsY89Cf4DBIvSWmT1O/UMbDUWuuahEL9IHt"
    "Kts9a3ItpHp+1Dgw0Tss9NLaaCwwLyBAr5RSC/Jcvgf1CoSTxE1Q7Qlm6oTF0oq7wQG+8k"
    "/6yVLzonZ8dXndbZxYRDPrQ6x7pk10jHBenWm4KT0krA15POJ6B/gu/t8+Oi31K9zndHtw"
    "mGkrmUjVzo5zFJxIlows/oNsCquuZujg2tk5+Bk1X4qHFv7uTY8OGcXAo9nnqtoG7Qb6vI"
    "Oe6Az8Tr8ViZ6fQw8Odzemxonb5iTq8Y6nHrM6cHYVetbwbzuD01tVP6yvk5Gt2an+td58"
    "gkLehC73oEue+WStgum6ZbLhruDosSSGHfOEmjqdsZsz4qwtFLQ+5UMKRp2fYshtRTWnqJ"
    "yOenR78OmKY3MQVygICuECioDgBnbLgNhIQyjPjR0QAZnTEYIY6AXp0CgSIO935K9IejK9"
    "S6UZWOKv/hhPEdmrKflja1tOlG06Z6ODSlTvM2lnSqRYYkM1FdiBN9C28teOMJvgHAmcXS"
    "IHYYJZiiJc0UjwIz865Rw9k7sllk7t687qwXOldqnTMngaeXSDYQWNFAwHI7axzmW25nA5"
    "1uuR07pU/EU24j8iBncT+DMJcznxuFUOLKJuEtY/uRcYT79DMaG4hPVIsg9ari0ziKv0R9"
    "LCTiyE8Ir2cF8l3ShxJpdn0ORymble9aCgN150gaFNT1wfmX01Pn7mlYyDMkBDQdpURCJk"
    "XbszjIYaS0yAZNwzrG9WxrKhIa+hEwDnzMkSeBZIBRBJIe14RvzNZ1hnIUSCmZSjyCI/rL"
    "yNVlcKAFBRtLSlpScqNJSYluK5ZJHSWdsgMu1l8HemHWYuj4W2diHVTaLJSuhU7b538n6s"
    "UdRJaZXCKVk874DSCObCxl1ghnS6WsV1RtqZQNdLqlUiyVkq1MkvCoGZ9SNLOkShwC5fJ4"
    "JiBtBuuEjcX0PqIqi/ktVVWHqproXlPIqsrJwUJcF+LixLhSlOAF4kMsRHTrJVYwV7p9z/"
    "HtIFWdnx5sUwSis0igzyFV/SBhAzkjqgpmjCEhY0Ah52ykFLpjAIHygY+NXby58VI9BUEP"
    "E9W7AIG0H8bcZj02kUQ8qGmJpQUtLbjhtGA8EBq4I7OwNEo9GiWZwMooTz+2OWFkD27Of3"
    "DTklhrxmdYEmsDnW5JLEti5dJrBDXkrzILS7PcR7MkMdKiDEBczbOCtnbcn3WolQr5C7RL"
    "RdhfJmamh/481V3wdOIFYgFBYDRgQKhOpEL7MHhvgnk10AdA9xz9ijYtMBfKMw4gIGEf1z"
    "yfaON5G89vdDy/EmcP1/01TGgIMWmCcGpg4a0Bb8DZDa7M9ExHOG+zvNOHhHmQLGmqeBSk"
    "oRAjxhtN33kbywDWO6mMBJIXMW7pG3Nr7w7U1m4Ce/QeXQt+E/q1h/kQ6qY1xj5vbJGfc3"
    "ZR8NL+XLRM0ue9qAbLzjwDdiYeMqjioXLIVNgM6cyhhqoeLF1l+EheTSXLdethu3064dHD"
    "k+LG8i9nh8eXW6+NK5USjhiG8s6jLtGvA2gKd87Kgl0fbJtOWrPMgk0nbaDTbTrJLlhsOs"
    "mmk2w66Z50EjOglpNIyTbKWbtG9U0tcpxcIKmTQvlUUB/f6LdXMpBlpqKEEdhiXMs9SIj+"
    "OcKqD4Uy96EgcQDMtOy9sJkkm0mymaR7M0lP+vGfp17W2s//rBXYBp8GKCf6Nl1nj4lvXn"
    "RsKZENdLqlRDacEimF8NNDzlyPmDwZWMg/xMYfP18iAqcsWSpPIz5Lz5ei/NLGrAUxeoQz"
    "tauB02NSGC3EsTdwKkiMuGR7Fo0BM505SIxYZMmG1SIb9PehG4ZdOZOHYRmeepGyhG9Vqk"
    "HVAOFYfQ3Rff3qVQ10ldZUdE1ZaVeTrHxTw8wjpYnJQgdKVw3tZZwobbA4eviH2d3/hoXe"
    "gA=="
)
