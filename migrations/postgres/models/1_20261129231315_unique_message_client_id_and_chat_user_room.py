from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP INDEX IF EXISTS "idx_messages_sender__9a6e09";
        DROP INDEX IF EXISTS "idx_chat_users_user_id_3d0ef3";
        CREATE UNIQUE INDEX IF NOT EXISTS "uid_chat_users_user_id_3d0ef3" ON "chat_users" ("user_id", "room");
        CREATE UNIQUE INDEX IF NOT EXISTS "uid_messages_sender__9a6e09" ON "messages" ("sender_id", "client_id");
        CREATE INDEX IF NOT EXISTS "idx_messages_sender__eef788" ON "messages" ("sender_id", "created_at");"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP INDEX IF EXISTS "idx_messages_sender__eef788";
        DROP INDEX IF EXISTS "uid_messages_sender__9a6e09";
        DROP INDEX IF EXISTS "uid_chat_users_user_id_3d0ef3";
        CREATE INDEX IF NOT EXISTS "idx_chat_users_user_id_3d0ef3" ON "chat_users" ("user_id", "room");
        CREATE INDEX IF NOT EXISTS "idx_messages_sender__9a6e09" ON "messages" ("sender_id", "client_id");"""


MODELS_STATE = (
    "eJztne9v2zYax/8Vwq8ywCvWXLoN3eEAp0uvuSZxkbq3YcUg0BItE6FIjaTiGrv870dSki"
    "VLsmM5seMfz7uYfB6J/j4kTX7IkH93IhEQpl71gojyL4rIzlv0d4fjiJg/6pld1MFxXGTZ"
    "BI2HzFlja+Ylxs6l46HSEvvaZI0wU8QkBUT5ksaaCm5SecKYTRS+MaQ8tM/4RETMCJqMBW"
    "IiRJQjLZAeE+Qe/hYpEmOJNUEjKSIkSUiVJpIEyL22iyZUj5HgBImRcZOEICkYceVJOP0r"
    "IZ4WITEPtF/0658mmfKAfDMW2cf4zhtRwoI5HWhgH+DSPT2NXdol1++dof0KQ88XLIl4YR"
    "xP9VjwmTXl2qaGhBNbfPt4LROriVUhUzCXKS1pYZIWseQTkBFOmC5pOPSKtI7n3fQH3ueL"
    "ged1VlE9S/IFtxEzRVXu24e2CN+fvj776eznf/x49rMxccWcpfz0kL66ECZ1dPLcDDoPLh"
    "9rnFo4jQtRTQmSiHB92SDuuzGWzermXl6jzKb8VZlzUZ+mc+efo4T7VkLkR+pV1jCGCWUB"
    "ka84mXilgv2rs6mQRPibxwgP9djG4WyJ/v/t3b770Ls9OT37zr5QmJaYttKbLOfUZdkQFS"
    "Gxjcj93SIgZZ+1opFpvSOVfl7hN29WkfjNm8Ua27x5kUmEKWuj8MzhWeTNTQp9i975MASO"
    "sVITIVt1K2UfkHklme0PaxuJc/utydvBiXmT3FJnvAmJh0z4d6ShIp8LIybmzUKXvCpaD4"
    "3bhsSepWxA6SXCnvf7V/bJkVJ/MZdwOagI/OX6/OL25LXT3RhRTcrjk0JshpW+EiHlPV0X"
    "/FejlqYRaVbcunrM+npYN+geZN6v8j/2r0NZEoPB5fXF50Hv+tNcIH7tDS5szqlLnVZST3"
    "6stIPZQ9Bvl4MPyH5Ef/RvLpyaQulQujcWdoM/OrZMpo0Lj4uJh4OyJnlynjQXaV8Sq3v7"
    "OGeOzxfk2kj0pX82zBcM+pxNswq4J1HP2srSoCdxsF7QM0cI+o4FvaGpZ6UvDQWTIaNqvE"
    "7YZ67Qpe9cnBd26efTJpqwENXk/flw2owTGqjN7of1ebhNreNsKW3ea4K0FWktZBzdlYiY"
    "TRhi/26CZeDVcsSpWGRbz4pOo2oK5jh0QtlvZAuXM92YDsQd4Z0m3pvndZfh3iT2cEw9bS"
    "3XB749xAQPv2f0ngTItMeAcE0xQyMhUeqrEOYBUkTeE6l+QcL8UJkU9OG6985SXqoRVUhp"
    "IdMpD2BewLyAeZdi3raIF/BuC2ZTLlmbCj/vBgxyJbGdPi1Uzu1B3pXkxb5PlPpIpm00Tp"
    "28u9QL+oyVdLaFUnWV//O5f7NI5ZlLdWZKfY3+h8zkdQ9H2Eu0tVrMTUdzSU+ue79X1X53"
    "1T+vzjPtA84boO8XtQ4fcMw3UcAH9oIPkG8xNY9rH+bMEYK8B0EGrn9giBe4/hEGHbg+dO"
    "nA9RuaM3D9XZZ2R7i+mZfrRfu4Z3ndZVzfN1ZP3MX921hYKG93b48Jsg9EpoG/RVKIqIuU"
    "xjpJqf5kTJzNFE2IJMjOqZAi6cpDA8j/6nab2kz7pM6fFbD/NU3uWsxgX5EaAOoH1H+0qH"
    "8ndnS/dO++jb2wab+z+l7Y1B7kXUnerDtvIXDhsb3txoIzysmWeoqNyGz3DbfsvVOfp/Td"
    "x1ed7TDnsxnlrAmd7QAJJq/7M3kFHnkoaAp45BEGHXgkdOnAIxuaM/DIvZHWzOi9Vsir5L"
    "EhQfcNfNX47ry8dW3fC0loyD+SqZP40pQIc7+JqmTs6XZ2mkUOafdK5Ie8DuWpxfslnswY"
    "bLlqGQ3MNyfpf2Sa96ObL1dXnYeXIefXRCnsKkoNnOdZ3WXcPEqNnrIV3pHy7Dldi8+xQ+"
    "ZISBRQSXxtT0Oxp5vkNa6RkSti4u+yfUZTHLuYlBdzFGMy5zufYd5OY/u0Sh4QdiDsR03Y"
    "NfnWMOYfmNQFW5Az+0NgZctG9he/D+YG9bXdmrOB/VX/5t+5eXULJ2D2LXLJ2c9FC4lTH+"
    "C/rXQGLnhYiAi44BEGHbggcEHggg3NGbjgvkg7m9S3g4NVNyCENWVTjtJO1jkf0PQx6lqg"
    "KuCuq3DXueq1gLw2dg4g8aoSVzvGneLbn4iMqFLpV68h7lJu95FTX+KZ6fqsu88JSv+FGY"
    "USc1MPcrRtjwntIuGcMWNTxLGUYmIMhlOEkYlBQJ1ftrv81ozd0IgyU7sQwzxMMlD/+Dkw"
    "X2dHkqYlAZgNMPvIYXbWEFqEo/AA+Lca/Ms7sLrKi097mHOC8x7WP+8B0OuBUThAr0cYdE"
    "CvgF4BvW5qxA7odRvo1Uw9W1LXwgPg4GNwsPlykvbcKnvMXkm7Mq0qKtROgaoKLGyAVXWc"
    "uBhYFXfEPd/VdMpUInvnXPxLejddosfI1pz01rl0e6YqczIUsySki441qHApoFBAoY6aQu"
    "3EoQWHfuboC19Dd+jyxlLc08b1ySWX0JV8tndsARM+ZlvqKuC6v72V2czYif6U6Ta7HmLl"
    "ndjW28tlTy+NAPHbLBqMqIywLVpr7cvOoPyavYuRl4drwcS8zvvpE4Ap7gNTTJsMaXv15p"
    "wfXL65+uWbcNPpFsWGRdADWw+DRdAjDDosgsKABRZBG5ozLILui7SwCAqLoJvt3Pd3EVQ4"
    "UetLn/mW9WU79O2Xeso5NIpou5RZXsAM6b09ql2gYj01XeZEJ0LadB8zZj9OqKlDiS7d5a"
    "reIjeY8L+D9U9Y/4T1z0fXP1/0ftaXHmLADa0HJbbTp4XKuT0sMsNBMsfHdADkHWHQAeQB"
    "yAOQt6mZD4C8bYGnxaCk1I/Nnx1QWevNnN9/vCUMLxhoN55XsF/qL2JTtU2wT9RoA6du7I"
    "ZOmwRvPSKpP+40oLcsp7sMvuHCZg30liUBItstRHZvWmJLWFByeR429tI/GJufzNpG1ULh"
    "zPwA1X39ww8rqGusFqrr8mo7SHXjWU5LD53IXZ505MSuqb2NMydaDI6e/8fs4f9ZzgfK"
)
