from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "files" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "document_id" VARCHAR(24) NOT NULL UNIQUE,
    "name" VARCHAR(255),
    "alternative_text" TEXT,
    "caption" TEXT,
    "focal_point" JSON,
    "width" INT,
    "height" INT,
    "formats" JSON,
    "hash" VARCHAR(255),
    "ext" VARCHAR(255),
    "mime" VARCHAR(255),
    "size" VARCHAR(40),
    "url" TEXT,
    "preview_url" TEXT,
    "provider" VARCHAR(255),
    "provider_metadata" JSON,
    "uploader_id" INT,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "published_at" TIMESTAMP,
    "created_by_id" INT,
    "updated_by_id" INT
);
CREATE INDEX IF NOT EXISTS "idx_files_uploade_0e4f72" ON "files" ("uploader_id");"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "files";"""


MODELS_STATE = (
    "eJztXW1v2zgS/iuEP6WAt2iz6e6iPSzgpOk117whdW4XWywEWqJtIhKpJam43r389yMpyZ"
    "IsyZGc2PHLfEvIGYl+hhyRzwzJfzoB94gvX/e8gLJbSUTnPfqnw3BA9B/lyi7q4DDMqkyB"
    "wgPfSmMj5kRazpbjgVQCu0pXDbEviS7yiHQFDRXlTJeyyPdNIXe1IGUj84xrwkOfoMmYI5"
    "+PEGVIcaTGBNmHv0eShFhgRdBQ8AAJMqJSEUE8ZF/bRROqxogzgvhQqwlCkOA+se2JGP0r"
    "Io7iI6IfaH7otz91MWUe+a4lkn/DO2dIie8VcKCeeYAtd9Q0tGVnTH2yguYnDByX+1HAMu"
    "FwqsaczaQpU6Z0RBgxzTePVyIymBgUEgRTmOKWZiJxE3M6HhniyFc5DAdOVtZxnMurvvP1"
    "tO84nSaoJ0UuZ8ZiuqnS/vqRacIPh2+Pfj765cefjn7RIraZs5KfH+JXZ8DEihaey37nwd"
    "ZjhWMJi3EGqm5BFBCmzirAPRljUY1uquVUwqzbPw9zCurTcO78axgx10CI3EC+TgbGIKK+"
    "R8RrRiZOrmG/dlZlkgB/d3zCRmps7HC0AP//9m5OPvduDg6PXpkXcj0S41F6mdQc2ipjos"
    "wkZhDZv1sYJK+zlDUSrDek0xcRfveuCcTv3tVjbOqKIJMAU78NwjOFZ4E3FcnwzbzzbgAc"
    "YiknXLRyK3kdgLkRzObD2gbiVH5t8HZwpN8k1uSMVwHxwOfuHanoyMdcg4lZNdA5rTmsB1"
    "ptRWDPSlaA9AJgj6+uzs2TAyn/8m3BWX8O4NuL49Obg7cWdy1EFcnPTzKwfSzVOR9R1lNl"
    "wD9qtBQNSDXiRtXxja6DVQXuXqL9Ov1j+xzKAhv0zy5Ov/Z7F9cFQ3zs9U9NzaEtnc6VHv"
    "w0Nw5mD0G/nfU/I/Mv+uPq8tSiyaUaCfvGTK7/R8e0SY9x7jA+cbCXxyQtTosKlnYFMbi3"
    "t3Oi+HxGLs1EX/qzoX+gd8X8adIBt8TqyVhZaPQo9JYzeqIIRt8wo1cM9aT1ualgNPCpHC"
    "9j9pkquPSNs3OtSz+eVrEJtVRN6s8H02o6oYK12XyzPg9vU3KcLaFNvSZAOwetIRmHdzlG"
    "zBQMsHs3wcJzSjX8kNfJlquCw2C+BDM8skCZX2Qal3K6Ie3zO8I6VXxvWtddRPdGoYND6i"
    "gjuTzh20M+Z6MffHpPPKTHo0eYothHQy5QrCsRZh6SRNwTIT8grj9UugR9vuidGJaXKkQl"
    "koqLeMkDNC/QvEDzLqR521K8QO+24GzyLWvT4YtqwEE2Atvi0wLlVB7gbQQvdl0i5RcybY"
    "NxrOTcxVrgMxrhbBolyyj/5+vVZR3KM5X5lSl1Ffof0ovXLZxhL8DWYFFYjqaQHlz0fp9H"
    "++T86nh+nWkecFxB+t7KZfgBy/lGEviBreAHyPeQ6se1N3OiCEbeAiMDr79jFC/w+ntodO"
    "D1waUDr18xnIHX32RoN4TX1+tyVZfHPavrLuL1XS31xCzu38bckPIme3tMkHkg0gP8PRKc"
    "B10kFVZRzOpPxsTKTNGECILMmgpJEkceKoj8bzbb1FSaJ3X+nCP2v8XFXUMzmFfEAkD1A9"
    "W/t1T/RmR0v7R3X0cubOx3mufCxvIAbyN4E3feAuBMY33pxpz5lJE1eYqVwGzyhlt671jn"
    "Kb57/7qzmeZ81bOcJUlnM0GCxev2LF6Bj9wVagr4yD00OvCR4NKBj6wYzsBHbg20ekXvtK"
    "K8chorAnTbiK8Sv1uEt4ztJy4IHbEvZGohPtMtwsytYlUS7ulmdppFStJuFcgPaR9KS7P3"
    "CzyZcbD5rqUx0L+cxDsy9fvR5e35eefhZZjzT9SCWmLNbXl3EWM+pMkRI8tlwDMUhT7HHv"
    "GQeRI6CIhHMfLpQGAxffUBUSXRYKqIRCZNPj7jxBDroeD31Iu7yuNp7986yWuEdrDAjAMz"
    "vt/M+Ismwb/0/GINKa2+MlEEpR1Wn3yvWBWZ0prU1kzVUYnuLqC+aB10+nu/sAQq5bbOlk"
    "HnV5f/TsXnE16LJnBxzS6EeuhzKoB4e8SH3MX+NU8+gE1Tua2WE6ZqkM69fDr3hHrapTWf"
    "v8zkYdVYXjWO9fJlXNGTa9HMFADOMpxDLgKsWm3yyKmAV1jeK4yxrHAK9VO9VH4XPoHrON"
    "Cuanq34Di73ZnRrQHcgLZbpqTyAG+zlAf6dwW8H4lLA+zXZDwkKvMeOdZ5nehuH9oLwP14"
    "enJ20Ts/ePumezh3jlqK+9GbUuqZqDjlsn7pkYjvQr9d97IjFOSeksltO8ATLQeAfwLwGQ"
    "Hb1EHndXYB83Uc6JpA5gREYcOxtplDVyrDbHr52XQuilAyw4IwbawEQdra9SFki+1Y4hBk"
    "i+2h0SFbDLLFIFts9V9LyBbbxd2rF0RKbH9OKQ0nreouysQJYqGnHEdpd6smz+maLazYbl"
    "tFXCCPCqIXCorbG4bSrK/KfaqSsGSN5/o0Tvyo362azfy0SEG3WKHfTkPztIq6wuyRQoIP"
    "JPjse4KPapl2AqkmyxNhsP91pQTY7BvSAuJYBzZmtsE5A6QE9MIbdwp6cOdO8zt3gPPaMf"
    "oDOK89NDpwXsB5AedVMZyB89oWaGfUSrttkvNqsFeyhGzMZrWDtaADmD62/zQjDGEHapMd"
    "qIXuVbMHtdI5AMRNIZ53jBu10/eaiIBKGf/0UqAhV9t95P6rcCa6fMThihEUX+aARgIz3Q"
    "/SAIO5MLmLuFXGvj9FDAvBJ1pgMEUYaRt41Ool52ze6Lmb2UGsexfyMRtFSbikydbg9HLm"
    "uCUQPYDowZ5HD5KB0MIcmQawrc1Y7dSBlVGuT+csKEEa5/JpnEC97hgLB9TrHhodqFegXo"
    "F6XdWMHajXdVCveunZknXNNIAcfIwcTFf2T+WtksdsFbSN2aqsQ20UUTVHFlaQVWU6sZ6w"
    "EjPZJ17vck146BM0GXMkdSciHorCD5aC0p+nMTI9x9zMbgrsi/I8GQr9aETrLniZ46WAhQ"
    "IWaq9ZqI24vmXXb18mAaYVO+cXnGCSKgC8LXZvt0H4RTbJd3xzENuaXMVKkMZSTrho5b7z"
    "OsBbN7vsiUiirhPc+vyOtAoTWG0nhV3PfhJ9AL9p0GBIzaloummtsc8rA/JLehcNLxstRS"
    "amfd6NnwCc4jZwivGQab0loqAHWyKab4kY+OZGtbZw57QAbNh/srfxMAiC7qHRIQgKExYI"
    "glYMZwiCbgu0EASFIOhqnfv2BkG5BbUc+kxT1hdl6Jsf9ZTTgCRRJpSZD2CO6D1hJkc/i6"
    "fGYU50wIUpd7Hvm3/NPV08Ukh/WzzCFNWvfY/sZMJ9BfFPiH9C/PPR+Cdc0rVSSjffsjZd"
    "vqgGYDcC2+LTAuVUHoLMTcJCQOTtFqcDRN4eGh2IPCDygMhb1coHiLx1EU/1REnOjxXPDp"
    "iL9SbKn77cEB/XTLQrzyvYLvTruKlSEuwTMVrBqRubgdMqibceEdQddyqot6Smu4h8w5nM"
    "EtRbUgQU2WZRZPd6JLYkC3Iqz8ONvfQHYw13p+tB1QLhRHwH0X375k0DdLVULbq2rpRBqi"
    "rPclp46ESq8qQjJzYN7XWcOdFicvT8H7OH/wNxgMyB"
)
