from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
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
    "published_at" TIMESTAMPTZ
);
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
    "eJztmu9v2jgYx/8VK686qVetXLtNu9NJ0GM37lqoWnqbNk2RSR7AamJnsTOKdv3fz3YSkk"
    "BgCR2UFr+Dx8/jOJ/HP7/xd8tnLnj86GyMxQ2H0HqLvlsU+yB/LJQdIgsHQVaiDAIPPO3s"
    "SC87km7ajAdchNgRsmSIPQ7S5AJ3QhIIwqi00sjzlJE50pHQkariw5ghwhGhSIwBqQoRZZ"
    "O3KGTMP0RcYBFxhKmLJmPQPlM0gRCQh7lAHICqJ0eUfI3AFmwE0kO90Ocv0kyoC3fA1d/P"
    "lqpQ+cZVWl+UQ3BrDwl4boEAcZWbtttiGmhbh4p32lE1f2A7zIt8mjkHUzFmdOZNqFDWEV"
    "AIsQBVvQgjxUMRSOCliOK2Zy5xo3MxLgxx5Ikcv4Gd2Szb7vb69nW7b9tWFeKJyWFUZUs2"
    "leu3H6km/NI4Pnl98ubXVydvpItu5szy+j5+dAYmDtR4un3rXpdjgWMPTT2DKlsQ+UBFpw"
    "Su7GthOd00yi7FLNs/jzmF+jDO1u/DiDoKIXJ8fpQMiUFEPBfCIwoTO9ewP6xNpcTHd7YH"
    "dCTGKg8nK/j/27w6e9+8OmicvFAPZHIUxgO0m5Q0dJFKUZYSNW717xoJyceslY2E9SwZqU"
    "uWjWzq2Ea3LzI+Pa0C+fR0OWVVVsSczjtVEaf+Bm8lvMl0XgNwFrE1xBajHqGwpZliI5iZ"
    "cws1Z+845iFz9/51Z7WtuZa7mqZYJP2nBCWID+W0VaStNkQ2FiXA3ST4KP3x9PCvoN3vXL"
    "Sv+82LS1W9z/lXTwNr9tuqpKGt0znrwau5xMwqQR86/fdI/UWfet22psm4GIX6iZlf/5Ol"
    "2oQjwWy5abWxm2eSmlNTIc9OCIp7/TQngT8vyQv7o8ceZPIF3R71pkkHfCJZT8bKyqRHgb"
    "te0pNAk/QdS3rJUE9anyU9iAYe4eN10j4LNVP6zuW5ZHTLs5FdSzzIRfxYQVgrmU9NQlCi"
    "zPC2VEGIEjWqyPYdC4GM6D8w1Yg7skWYOmXn0+QUfwUjwgWE4Kby1pOCfJ/2odSaPT/Ek5"
    "male9akoF8cxCagnw+6t6cn1sa9QA7txMcunaBuSphDTZnmfkuFvkNf96CKR5pOOo1VKMT"
    "/BfAOdYdZUFyTIsOVymOfuy0vt7YjDXGpJ5DJTxiLTYiFiKXhOAIJBhiFFDa4+qoi9m+zg"
    "iMRmDcb4FRwF3JlqcvreXJSP2fg1SwamPT/tgv7GlShgcXzY8vCvua8173r9Q9x/zsvNcy"
    "KuM2ZRlzXH9mJzdzXN/DpJvjujmuZysmOCQg2d6v4n58Pswc3JOtee5bEcjXqCmFFGIM0x"
    "+JITEuI4dUlUMK3WuJIFI6ORjEVRHPT4w7JTvN5aBEfVrM0nIRKpz5PvDy2yWwwAM0GTPE"
    "ZZ8CF0XBb/oinFy6xkh1JMSG2qAfZAcQ+oRzWSNHgReNSMXrb0aLMlrUXmtRO3HZ7XE7/e"
    "ZVEvAx8eoQngUYvBXwBiH7Rkq3fcsJ52O2d93NYw72tjRVbIQ05nzCwlrTdz7GqKrVrsYC"
    "B3GZcOuz2/gyf2UJW0XbKXa5+0niDfxqkjajQxL6WDWtNvt8sCG/5uwi8dLRWkJj2ueduA"
    "ajNz4BvTEZMlCyqLQY8wDTlUMNyhaWgQzcUFZnlu2mtdXrnRcy2urMf/28uWi1rw6OdSql"
    "E4kVhkUZcuCp++d1ceeiDOzqsM0H0mf2rcx8IN3DpJsPpHu+YVn45PQ4cn0TQuKMrRKZPi"
    "k5XCXP48xnDVE+MRlNfbc09W8Qqs8edQ6puZCfI6Y/9qKy+aOpGlQ1CCfuz5Du8cuXFehK"
    "r6V0ddmC5CJKvyn/fd3rLj39pSHzqyVxBPoPyQW1yu2IXaO9Aq6CUVgjF+7Hzl+FnVv8VA"
    "WtsvsT21zM7v8HeCg3yg=="
)
