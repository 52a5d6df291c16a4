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
    "published_at" TIMESTAMP,
    "created_by_id" INT,
    "updated_by_id" INT
);
CREATE TABLE IF NOT EXISTS "up_roles" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "document_id" VARCHAR(24) NOT NULL UNIQUE,
    "name" VARCHAR(255),
    "description" VARCHAR(255),
    "type" VARCHAR(255) UNIQUE,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "published_at" TIMESTAMP,
    "created_by_id" INT,
    "updated_by_id" INT
);
CREATE TABLE IF NOT EXISTS "up_permissions" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "document_id" VARCHAR(24) NOT NULL UNIQUE,
    "action" VARCHAR(255),
    "condition" JSON,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "published_at" TIMESTAMP,
    "created_by_id" INT,
    "updated_by_id" INT,
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
    "created_by_id" INT,
    "updated_by_id" INT,
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
    "created_by_id" INT,
    "updated_by_id" INT,
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
    "created_by_id" INT,
    "updated_by_id" INT,
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
    "eJztnV1v2zYUhv8KoasUSIs1S7uhHQY4XbpmTeIidddhxSDQEm0ToUmNpOIYXf77SEqyZE"
    "t2JCd2/HGuEpPnUNR7SIp8KNPfvaEICVMvWhHtiGvCvTfou8fxkJh/SnmHyMNRlOfYBI27"
    "zBnHkY8j6mtr6XJwV2mJA20ye5gpYpJCogJJI02FvRCPGbOJIjCGlPdtKS3EBO8/Z/SGhC"
    "iQJCRcU8xQT0iU+CqEeYgUkTdEqrdIcDY2KejDResdEj1ENaIKKS2Mr61FzOm/MTHV6hM9"
    "INJc49s/JpnykNwSlX2Mrv0eJSycun3qCnDpvh5HLu2M6/fO0Fa86weCxUOeG0djPRB8Yk"
    "25tql9wonEmtjitYytEvbeU+UycZKa5iZJFQs+IenhmOmCcl0/T/N8/7Ld8T+fdnzfq6N1"
    "mhQIbuNkqqrc3fdtFZ4fvTz+6fjnH18f/2xMXDUnKT/dJZfOhUkcnTyXHe/O5WONEwuncS"
    "6qqUE8NEE9qxD33QDLanUzL79SZlP/WZkzUR+ms/dLL+aBlRAFQ/Ui7Q/dmLKQyBecjPxC"
    "xX71VhWSIb71GeF9PbBxOF6g/5+tq3cfWlcHR8fP7AWF6X9J77xMc45clg1RHhL3t0EwMv"
    "ulopBqvCGNfVrZV6/qSPvq1Xxtbd60uMWaNWnw026PInVmkmudj8u7IbbTp4HKmT3IW0te"
    "HAREqY9k3ETjxMm/TrxgzKils62UKqv8x+f25TyVJy4zEoc00Og/xKgqzUU2v1Ev0NZqYU"
    "seKvUvK0p6cNH6a1btd+ftE6eNULovXSmugJMZ5RlW+osiYUuXxf/NqKbpkFQHwHr6sXH1"
    "sa6KQur8Ivtnp2LRObs4/dxpXXyaCshvrc6pzTlyqeOZ1IPXM0GaFIK+nnU+IPsR/d2+PJ"
    "2N28Su87dn64RjLXwuRj4Oi5pkyVnSVJzJbURNcc3DnDpCkLcgyGb5aHVvHuTU8fGCXFp6"
    "PPVcwdxg2DYr57QBbknU076yMOhxFC4X9NQRgr5hQa/o6mnt86BHcdfMbwbLhH3iCkP6xs"
    "V57pB+Mq7CR3PZXDaed8fV/KgC021+WB8H1JUGzobSZqMmSDsjraXKvesCArUJXRxcj7AM"
    "/VKOOBLzbMtZw6PhbArmuO+EsndkK5eySrMutwsa6VVw/Une4SKuHxgru7CRy0P9rwNhoT"
    "zlSA8IsgUi08HfICnE8BApjXWcUP3RgDibMRoRSZBdUyFFkp2H+0H+N88WaG2TIj2T/82L"
    "0zt0ef8A7AfYv9ew33aHpsC/6AOotBbCy0aiuhJn9iBvLXnTAb6BwLnH2iT2BGeUkzWNFC"
    "uRWQTXpOHonfg8ZOzev+ZsJzqfzTxnSexsp0iwfN2e5SsQyV2BU0Ak9zDoQCRhSAciWdGd"
    "gUhujbRmRe83Ql4FjxUJum3gq0R4p+Uta/teSEL7/CMZO4nPTI0wD6qoSsqerkifKk0kCT"
    "NMu1Ui32VtKEvNry/xaMJgi03LaGDunGingrk+uvxyfu7dPQ07vyBKYddQSug8yzpcRM6H"
    "idFDXoZ3rDwt59ACdOygORIShVSSQCMtkOAEZS2uCSXPVyMOlCtijFwhAaMJtHXp5jI0sg"
    "kzPoDSAaXvNUrX5LZict8xqXPeNk7tdwGKLZrCn/7VmZq9l17MnMzgz9uXv2fms29rAk9f"
    "I4CcjPgNJE58APQ20hkA4G6xIACAexh0AIAAAAEAVnRnAIDbIu1kUd+MAs66AQosKZtglG"
    "ayTvmApvfh1ZxUAWCtA1inmtccxFo5OIDEdSWeHRg3CmR/InJIlUpuvcSyC7mH9xzwEk1M"
    "l4fabU5Q8m1l1JeYm3aQMWwpmClCOGfM2BhxLKUYGYPuGGFkYhBS55e+SH5l5m6oR5lpXY"
    "hh3o9TIl+PgbOE3ruaAMwGmL3nMDvtCA3CkXsA/KsH/7IBrKzy/IMdppzgaIflj3YA9Lpj"
    "FA7Q6x4GHdAroFdAr6uasQN6XQd6NUvPhtQ19wA4eB8czFb2D+VWaTFbJW1tWpU3qI0CVT"
    "OwsAJWlXHifGAlJ7YPPL/gExERI2g0EEiZRkRCFEdvHYIyj6cBsi3HHj1sE9yFipwMRSzu"
    "05onGACFAgq11xRqI04n2PXjRckQU9ZE4YkDyFtD3kiKG1q5Pzlf4aLP+s4nYCLAbE1DxU"
    "qUxkqNhGw0fBd9gFvXO8uEKKI/pbpNfgmi9pvY1tvPZE9+HwLEb7Jp0KNyiG3VGmtfdAbl"
    "lxxdjLy8vxRMzNp8kJQATHEbmGLSZUjFQ+VEmGUz5gu7Gql6sHSN44qiOklZb1hP2u3zqY"
    "ienM1+iefLxcnp1cFLF0pjRBPCUMZhXWYPDGoqd8ELxK4vNmyC7th+GGyC7mHQYRMUJiyw"
    "CVrRnWETdFukhU1Q2ARd7eC+vZugwola3vrMXllf9Ia+vamHHDijiLZbmcUNzD69saeyC5"
    "TvpybbnOhASJseYMbsxxE1bSjWhZ9tVW+Qm0wEz2D/E/Y/Yf/z3v3PJ/0p1qeeYsCPse6U"
    "2E6fBipn9rDJDAfJ7B/TAZC3h0EHkAcgD0DeqlY+APLWBZ7mg5LCODZ9dsDMXm/q/P7jFW"
    "F4zkS78ryC7VJ/HpsqvQT7QI1WcOrGZui0SvDWIpIGA68CvaU5h4vgG85tlkBvaRIgss1C"
    "ZDemJzaEBQWXx2FjT/3AWP1i1naqBgqn5juo7ssffqihrrGaq67LK71BqivPclp46ETm8q"
    "AjJzZN7XWcOdFgcvT4D7O7/wGWTACq"
)
