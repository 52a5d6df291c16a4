from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "admin_users" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "document_id" VARCHAR(24) NOT NULL UNIQUE,
    "username" VARCHAR(255) UNIQUE,
    "email" VARCHAR(255),
    "password" VARCHAR(255),
    "role" VARCHAR(255),
    "blocked" BOOL,
    "last_login_at" TIMESTAMPTZ,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "published_at" TIMESTAMPTZ,
    "created_by_id" INT,
    "updated_by_id" INT
);
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
    "published_at" TIMESTAMPTZ,
    "created_by_id" INT,
    "updated_by_id" INT
);
CREATE TABLE IF NOT EXISTS "up_roles" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "document_id" VARCHAR(24) NOT NULL UNIQUE,
    "name" VARCHAR(255),
    "description" VARCHAR(255),
    "type" VARCHAR(255) UNIQUE,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "published_at" TIMESTAMPTZ,
    "created_by_id" INT,
    "updated_by_id" INT
);
CREATE TABLE IF NOT EXISTS "up_permissions" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "document_id" VARCHAR(24) NOT NULL UNIQUE,
    "action" VARCHAR(255),
    "condition" JSONB,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "published_at" TIMESTAMPTZ,
    "created_by_id" INT,
    "updated_by_id" INT,
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
    "created_by_id" INT,
    "updated_by_id" INT,
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
    "created_by_id" INT,
    "updated_by_id" INT,
    "user_id" INT REFERENCES "registered_users" ("id") ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS "idx_chat_users_user_id_157846" ON "chat_users" ("user_id");
CREATE INDEX IF NOT EXISTS "idx_chat_users_room_a71cf4" ON "chat_users" ("room", "status");
CREATE INDEX IF NOT EXISTS "idx_chat_users_user_id_3d0ef3" ON "chat_users" ("user_id", "room");
CREATE TABLE IF NOT EXISTS "messages" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "document_id" VARCHAR(24) NOT NULL UNIQUE,
    "text" TEXT,
    "room" VARCHAR(255),
    "client_id" VARCHAR(255),
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "published_at" TIMESTAMPTZ,
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
    "id" SERIAL NOT NULL PRIMARY KEY,
    "version" VARCHAR(255) NOT NULL,
    "app" VARCHAR(100) NOT NULL,
    "content" JSONB NOT NULL
);"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        """


MODELS_STATE = (
    "eJztne9v2zYax/8Vwq8ywCvWXLoN3eEAp0uvuSZxkbq3YcUg0BItE6FIjaTiGrv870dSki"
    "VbsiM5seMfz7uYfB6J/j4kTX7IkH93IhEQpl71gojyL4rIzlv0d4fjiJg/qpld1MFxXGTZ"
    "BI2HzFlja+Ylxs6l46HSEvvaZI0wU8QkBUT5ksaaCm5SecKYTRS+MaQ8tM/4RETMCJqMBW"
    "IiRJQjLZAeE+Qe/hYpEmOJNUEjKSIkSUiVJpIEyL22iyZUj5HgBImRcZOEICkYceVJOP0r"
    "IZ4WITEPtF/0658mmfKAfDMW2cf4zhtRwoI5HWhgH+DSPT2NXdol1++dof0KQ88XLIl4YR"
    "xP9VjwmTXl2qaGhBNbfPt4LROriVUhUzCXKS1pYZIWseQTkBFOmC5pOPSKtI7n3fQH3ueL"
    "ged1mqieJfmC24iZoir37UNbhO9PX5/9dPbzP348+9mYuGLOUn56SF9dCJM6OnluBp0Hl4"
    "81Ti2cxoWopgRJRLi+rBH33RjLenVzL69WZlP+RZlzUZ+mc+efo4T7VkLkR+pV1jCGCWUB"
    "ka84mXilgv2rs6mQRPibxwgP9djG4WyF/v/t3b770Ls9OT37zr5QmJaYttKbLOfUZdkQFS"
    "Gxjcj93SIgZZ+1opFpvSOVfl7hN2+aSPzmzXKNbd68yCTClLVReObwLPLmJoW+Re98GALH"
    "WKmJkK26lbIPyNxIZvvD2kbi3H5r8nZwYt4kt9QZb0LiIRP+HampyOfCiIl5vdAlrwWth8"
    "ZtQ2LPUjag9Aphz/v9K/vkSKm/mEu4HCwI/OX6/OL25LXT3RhRTcrjk0JshpW+EiHlPV0V"
    "/FejlqYRqVfcunrM+npY1+geZN6v8j/2r0NZEYPB5fXF50Hv+tNcIH7tDS5szqlLnS6knv"
    "y40A5mD0G/XQ4+IPsR/dG/uXBqCqVD6d5Y2A3+6NgymTYuPC4mHg7KmuTJedJcpH1JrO7t"
    "45w5Pl+QKyPRl/7ZMF8w6HM2zSrgnkQ9aysrg57EwXpBzxwh6DsW9JqmnpW+NBRMhoyq8T"
    "phn7lCl75zcV7apZ9P62jCUlST9+fDaT1OqKE2ux/W5+E2lY6zpbR5rwnSLkhrIePorkTE"
    "bMIQ+3cTLAOvkiNOxTLbalZ0Gi2mYI5DJ5T9RrZwOdON6UDcEd6p4715XncV7k1iD8fU09"
    "ZyfeDbQ0zw8HtG70mATHsMCNcUMzQSEqW+CmEeIEXkPZHqFyTMD5VJQR+ue+8s5aUaUYWU"
    "FjKd8gDmBcwLmHcl5m2LeAHvtmA25ZK1qfDzbsAgG4nt9Gmhcm4P8jaSF/s+UeojmbbROH"
    "Xy7lIv6DMa6WwLpaoq/+dz/2aZyjOXxZkp9TX6HzKT1z0cYa/Q1moxNx3NJT257v2+qPa7"
    "q/754jzTPuC8Bvp+UevwAcd8EwV8YC/4APkWU/O49mHOHCHIexBk4PoHhniB6x9h0IHrQ5"
    "cOXL+mOQPX32Vpd4Trm3m5XraPe5bXXcX1fWP1xF3cv42FhfJ29/aYIPtAZBr4WySFiLpI"
    "aayTlOpPxsTZTNGESILsnAopkq48PA7yv3bsA61t+siOyf/qNqTaNJf3J8B+gP1HDft3Yk"
    "/3S/fv29gNm/ZEzXfDpvYgbyN5sw6+hcCFx/Y2HAvOKCdb6ik2IrPdOdyy9059ntJ3H191"
    "tgOdz2acsyZ2tkMkmL7uz/QViOShwCkgkkcYdCCS0KUDkaxpzkAk90ZaM6P3WiGvkseGBN"
    "038FUhvPPyVrV9LyShIf9Ipk7iS1MizP06qpKxp9vZeRY5pt0rkR/yOpSnFu+XeDJjsOWq"
    "ZTQw35yk/5Np3o9uvlxddR5ehp1fE6WwqygVdJ5ndVeR8yg1espmeMfKs+d0LUDHDpojIV"
    "FAJfG1PQ/Fnm+S17g2lLyYjThQrogxcg/xGU2hrUs3r6GxTVjwAZQOKP2oUbom32oG9wOT"
    "umS3cWZ/CFBs1RD+4vfB3Oi9sjFzNoK/6t/8Ozdf3K0JPH2LAHLW47eQOPUB0NtKZwCAh8"
    "WCAAAeYdABAAIABABY05wBAO6LtLNJfTsKuOgGKLCibIpR2sk65wOaPoZXC1IFgLUJYJ2r"
    "XksQa23nABI3lXixY9wpkP2JyIgqlX71Cssu5XYfOeAlnpmuD7X7nKD0v5VRKDE39SBn2P"
    "ZE0C4SzhkzNkUcSykmxmA4RRiZGATU+WUbyW/N2A2NKDO1CzHMwyQj8s0YeHr6aFoSgNkA"
    "s48cZmcNoUU4Cg+Af83gX96BVVVefrDDnBMc7bD+0Q6AXg+MwgF6PcKgA3oF9ArodVMjdk"
    "Cv20CvZurZkroWHgAHH4OD9feQtOdW2WP2StrGtKqoUDsFqhZgYQ2squLE5cCquA7u+W6h"
    "U6YS2evl4l/Sa+gSPUa25qQXzKX7MFWZk6GYJSFteIIBUCigUEdNoXbidIJDP170hW+cO3"
    "R5Yynuae365Ir75ko+2zufgAkfsy11FXCz397KbGbsRH/KdJvdBNF4J7b19nLZ0/shQPw2"
    "iwYjKiNsi9Za+7IzKL9m72Lk5eFaMDGv8376BGCK+8AU0yZD2t6yOecH92w2v2cTLjXdot"
    "iwCHpg62GwCHqEQYdFUBiwwCJoTXOGRdB9kRYWQWERdLOd+/4uggonanXpM9+yvmqHvv1S"
    "TzlwRhFtlzLLC5ghvbensgtUrKemy5zoREib7mPG7McJNXUo0aVrW9Vb5AYT/new/gnrn7"
    "D++ej654texfrSQwy4jPWgxHb6tFA5t4dFZjhI5viYDoC8Iww6gDwAeQDyNjXzAZC3LfC0"
    "HJSU+rH5swMW1noz5/cfbwnDSwbatecV7Jf6y9hUZRPsEzXawKkbu6HTJsFbj0jqjzs16C"
    "3L6a6Cb7iwWQO9ZUmAyHYLkd2bltgSFpRcnoeNvfQPxuYns7ZRtVA4Mz9AdV//8EMDdY3V"
    "UnVdXmUHqa49y2nloRO5y5OOnNg1tbdx5kSLwdHz/5g9/B8qIQB8"
)
