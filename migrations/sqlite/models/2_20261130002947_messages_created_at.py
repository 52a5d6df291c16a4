from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE INDEX "idx_messages_created_747db5" ON "messages" ("created_at", "id");"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP INDEX IF EXISTS "idx_messages_created_747db5";"""


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
    "ZISBRQSXxtT0Oxp5vkNa6RkSti4u+yfUZTHLuYlBdzFGMy5zufYd5OY/u0hry5eQ4NALsD"
    "dj9y7K7Jt4aJwMCkLtiXnNkfAkBbNty/+H0wN9KvbeGcjfav+jf/zs2r+zqBvW8RVs5+Q1"
    "pInPoAFG6lM8DCw+JGAAuPMOgACwEWAixsaM4AC/dF2tlMvx0xrLoBNqwpm8KVdrLO+YCm"
    "j6HYgl8BjF0Fxs5VrwU4trFzAIlXlbjaMe4U9P5EZESVSr96jXuXcruPHAUTz0zXB+B9Tl"
    "D6f80olJibepDzbnt2aBcJ54wZmyKOpRQTYzCcIoxMDALq/LIt57dm7IZGlJnahRjmYZLR"
    "+8cPh/k6O6c0LQnAbIDZRw6zs4bQIhyFB8C/1eBf3oHVVV58BMScExwCsf4hEIBeD4zCAX"
    "o9wqADegX0Cuh1UyN2QK/bQK9m6tmSuhYeAAcfg4PNN5a051bZY/ZK2pVpVVGhdgpUVWBh"
    "A6yq48TFwKq4OO757qtTphLZi+jiX9IL6xI9RrbmpFfRpXs2VZmToZglIV101kGFSwGFAg"
    "p11BRqJ04yOPSDSF/4brpDlzeW4p42rk8uuZmu5LO9swyY8DHbUlcBdwDurcxmxk70p0y3"
    "2Z0RK+/Ett5eLnt6kwSI32bRYERlhG3RWmtfdgbl1+xdjLw8XAsm5nXeT58ATHEfmGLaZE"
    "jb+zjn/OBGztVv5ITrT7coNiyCHth6GCyCHmHQYREUBiywCNrQnGERdF+khUVQWATdbOe+"
    "v4ugwolaX/rMt6wv26Fvv9RTDqdRRNulzPICZkjv7fntAhXrqekyJzoR0qb7mDH7cUJNHU"
    "p06YJX9Ra5wYT/Hax/wvonrH8+uv75ope2vvQQA65tPSixnT4tVM7tYZEZDpI5PqYDIO8I"
    "gw4gD0AegLxNzXwA5G0LPC0GJaV+bP7sgMpab+b8/uMtYXjBQLvxvIL9Un8Rm6ptgn2iRh"
    "s4dWM3dNokeOsRSf1xpwG9ZTndZfANFzZroLcsCRDZbiGye9MSW8KCksvzsLGX/sHY/GTW"
    "NqoWCmfmB6ju6x9+WEFdY7VQXZdX20GqG89yWnroRO7ypCMndk3tbZw50WJw9Pw/Zg//B/"
    "jVDfw="
)
