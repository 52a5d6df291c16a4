from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "up_api_tokens" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "document_id" VARCHAR(24) NOT NULL UNIQUE,
    "name" VARCHAR(255) UNIQUE,
    "description" VARCHAR(255),
    "type" VARCHAR(255),
    "access_key" VARCHAR(255) UNIQUE,
    "actions" JSONB,
    "last_used_at" TIMESTAMPTZ,
    "expires_at" TIMESTAMPTZ,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "published_at" TIMESTAMPTZ
);
CREATE TABLE IF NOT EXISTS "up_roles" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "document_id" VARCHAR(24) NOT NULL UNIQUE,
    "name" VARCHAR(255),
    "description" VARCHAR(255),
    "type" VARCHAR(255) UNIQUE,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "published_at" TIMESTAMPTZ
);
CREATE TABLE IF NOT EXISTS "up_permissions" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "document_id" VARCHAR(24) NOT NULL UNIQUE,
    "action" VARCHAR(255),
    "condition" JSONB,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "published_at" TIMESTAMPTZ,
    "role_id" INT REFERENCES "up_roles" ("id") ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS "idx_up_permissi_role_id_9ed1bd" ON "up_permissions" ("role_id");
CREATE INDEX IF NOT EXISTS "idx_up_permissi_role_id_393416" ON "up_permissions" ("role_id", "action");
CREATE TABLE IF NOT EXISTS "registered_users" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "document_id" VARCHAR(24) NOT NULL UNIQUE,
    "username" VARCHAR(255) UNIQUE,
    "email" VARCHAR(255) UNIQUE,
    "provider" VARCHAR(255),
    "password" VARCHAR(255),
    "reset_password_token" VARCHAR(255),
    "confirmation_token" VARCHAR(255),
    "password_changed_at" TIMESTAMPTZ,
    "confirmed" BOOL,
    "blocked" BOOL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "published_at" TIMESTAMPTZ,
    "role_id" INT REFERENCES "up_roles" ("id") ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS "idx_registered__role_id_efdef6" ON "registered_users" ("role_id");
CREATE TABLE IF NOT EXISTS "chat_users" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "document_id" VARCHAR(24) NOT NULL UNIQUE,
    "username" VARCHAR(255),
    "room" VARCHAR(255),
    "status" VARCHAR(255),
    "socket_id" VARCHAR(255),
    "last_seen_at" TIMESTAMPTZ,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "published_at" TIMESTAMPTZ,
    "user_id" INT REFERENCES "registered_users" ("id") ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS "idx_chat_users_user_id_157846" ON "chat_users" ("user_id");
CREATE INDEX IF NOT EXISTS "idx_chat_users_room_a71cf4" ON "chat_users" ("room", "status");
CREATE TABLE IF NOT EXISTS "messages" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "document_id" VARCHAR(24) NOT NULL UNIQUE,
    "text" TEXT,
    "room" VARCHAR(255),
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "published_at" TIMESTAMPTZ,
    "recipient_id" INT REFERENCES "registered_users" ("id") ON DELETE SET NULL,
    "sender_id" INT REFERENCES "registered_users" ("id") ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS "idx_messages_recipie_6f2e5d" ON "messages" ("recipient_id");
CREATE INDEX IF NOT EXISTS "idx_messages_sender__0cb83e" ON "messages" ("sender_id");
CREATE INDEX IF NOT EXISTS "idx_messages_room_554a99" ON "messages" ("room", "created_at");
CREATE TABLE IF NOT EXISTS "aerich" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "version" VARCHAR(255) NOT NULL,
    "app" VARCHAR(100) NOT NULL,
    "content" JSONB NOT NULL
);"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        """


MODELS_STATE = (
    "eJztXeFP2zgU/1esfGISQxsH28ROJxXGbtyAIuhu06YpchM3tXDszHYo1Y7//WwnadImLU"
    "kLpbT+BH1+z3F+z3be+9lOfjsh8xERO60Id9g1os4B+O1QGCL1T6lsGzgwivISLZCwS4xy"
    "HLkwwq7UmqYEdoXk0JOqsAeJQErkI+FxHEnM9IVoTIgWMk8pYhroWlqAMBq8JPgG+cDjyE"
    "dUYkhAj3GQ2AoAqQ8E4jeIi/eAUTJUEvDprHUEWA9gCbAAQjJlq1sRU/wrRqpZAZJ9xNU1"
    "fvxUYkx9dItE9jO6dnsYEX/s9rGpwMhdOYyM7ITKj0ZRN7zreozEIc2Vo6HsMzrSxlRqaY"
    "Ao4lAiXb3ksUZC33uKXAZO0tJcJWliwcZHPRgTWUCu6+Yyx3XP2x336rjjuk4drFORx6j2"
    "k2qqMHcf6Ca83H2993bv3R9v9t4pFdPMkeTtXXLpHJjE0MBz3nHuTDmUMNEwGOegqhbEoX"
    "LqSQW4R33Iq9HNrNxKmFX7J2HOQF0MZ+fPXkw9DSHwQrGTjodujImP+A5FA7fQsL+cx3JJ"
    "CG9dgmgg+9oPezPw/7d1efSpdbm1u/dCX5Cp8ZeMzvO0ZNcUaRflLjF/Gzgj05/LCynGK9"
    "LZx5Hd368D7f7+dGx12Ti4xZY16fDjZg8CdaaSY53Py+sBtsGnAcqZvoW3FrzQ85AQn9Gw"
    "CcaJkXudWNk5oxbOulGijPI/V+3zaSiPTCYg9rEnwX+AYFGKRVa/U8/AVmOhaw6F+EWKkG"
    "6dtb5Non102j402DAhA25qMRUcTiBPoJBfBPJbsgz+B4WaxCGqdoC2dGNl6kJZ5YXUeCf7"
    "Z6180Tk5O77qtM4uxhzyodU51iW7RjqckG69mXDSqBLw9aTzCeif4Hv7/HjSbyO9zndHtw"
    "nGkrmUDVzoFzHJxJlozM/oNsKquuZuTg2tk5+Bk1X6qHFv7uTU8OGcXEo9njpWUDfot1Xm"
    "nHbAZ+L1dKzMdHoc+fM5PTW0Tl8xp1cM9bT1udOjuKvim/48bh+Z2il95fycjG7Nz/WuC2"
    "SSFnShdz2A3HdLJWyXTdMtF4W74aQEUhgYJ2k0dTtT1kdlODo05E4FQzoq257FkHpKS4eI"
    "fH569GufaXoTUyD7COgKgYLqAHDGwm0gJJRxwo8O+sjoDMEAcQR0dAoESjjc+ynRH46uUO"
    "smVTo/LUlqSdKNJkn1uG1KlBZtLMVUi/rI5p26EGf6Ft5a8KbTeQOAc4ulQewwSjBFS5op"
    "HgVm5l2jhrN3YrPI3L153VmHNVcqqpmTrtMBkQ37VzTst0zOGif1lsnZQKdbJsdO6WP5lN"
    "uIPChY3M8gzOXM50YhlJixcXjL2H5kHOGAfkZDA/GJahGkXlV+mmbxlyjAQiKO/IzeelYg"
    "32V9KJPm1+dwMGKzil1LYaDuHEmDgro+OP9yeurcPQ3neIaEgKajlCjHrGh7FuMYJkqLbM"
    "c0HGNaz7YmHqEhGwHjwMcceRJIBhhFIOtxTdjFPK6zBKMlGDebYJTotiLk6SjplL1rqf46"
    "UAWzApvjb52xmKa0zWcU15y2z//O1Cf3/liWcYm0jE3X1yxzs+n6Bjrdpus2Xc+fmMjDEc"
    "5jv5rx+KSZTdzT0LywVoTUbTSkQsZsLKb3kSEJXJYOqUuHjHWvKYRI5eRgIa4L8eTEuFK0"
    "0wXiIRYiufUS81Qo3b7nQHA0Up2fgmpTBJLTLSDgkKp+kDFOnBFVBTPGkJAhoJBzNlAK3S"
    "GAQPnAx8Yu3S53qZ6CoIeJ6l2AQBrEKX9Wj7EiCddmWmLpKktXbThdlQ6EBu7ILSyNUo9G"
    "ySawMsrTDwKOGdmjgPMfBbQk1prxGZbE2kCnWxLLkliFZR+CGvJXuYWlWe6jWbIcaVEGIK"
    "3mWUFbO+/PO9RKpfwTtEtF2l8mZqan/nyku+B5twvEIoLAoM+AUJ1IpfZx9N4k82qg94Hu"
    "OfqlX1pgLlRkHEBE4gDXPPFm83mbz290Pr8S59vW/cU+KISYNEF4ZGDhrQFvxNkNrlzpmY"
    "5w0WZ5J9wI8yBZ0lTxKEhDIQaMN5q+izaWAax3GhYJJC9S3EbvYK29a01buxnsyZtZLfhN"
    "6Nce5iHUTWuMfdHYIj/n7KLgpcFctEzW572kBsvOPAN2Jh0yqOKhcshU2gzpzKGGqh4sXW"
    "X4SF4dSZbr1sN2+3TMo4cnkxuev5wdHl9uvTauVEo4YRjKO4+6RB85bwp3wcqCXR9su5y0"
    "ZisLdjlpA51ul5NswGKXk+xykl1Oumc5iRlQy4tI2TbKWbtG9U0tcmRZIKkXhYpLQQG+0e"
    "9DZCBfmUoWjMAW41ruQUL0zwFWfSiWhU/PiANgpmXvhV1JsitJdiXp3pWkJ/2czFOHtfaD"
    "MmsFtsGnAcqZvl2us8fENy87tpTIBjrdUiIbTomUUvjpKWehR4yfDJxYf0iNP36+RAROCV"
    "kqTyM+S8+XsvzSxqwFMXqEM7WrgdNjUhgtxLHXdypIjLRkexaNAXOdOUiMVGTJhtUiG/QX"
    "hxumXQWTh2EZnjpIWcLXD9WgaoBwqr6G6L5+9aoGukprKrqmrLSrSVa+qWHmkdLMZKEDpa"
    "uG9jJOlDYIjh7+YXb3P0OeVkU="
)
