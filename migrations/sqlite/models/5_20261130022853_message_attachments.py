from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE "messages_attachments_lnk" (
    "file_id" INT NOT NULL REFERENCES "files" ("id") ON DELETE CASCADE,
    "message_id" INT NOT NULL REFERENCES "messages" ("id") ON DELETE CASCADE
);"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "messages_attachments_lnk";"""


MODELS_STATE = (
    "eJztXW1v2zgS/iuEP6WAt2hz7e6iPRzgpOk1t3lD6t4utlgItETbRGRSS1JxvXv570dSkv"
    "WuSk7s+GW+BA45I1HPkCPymSH1d2/GPeLLlwNvRtkXSUTvHfq7x/CM6B/lyj7q4SBIq0yB"
    "wiPfSmMj5oRazpbjkVQCu0pXjbEviS7yiHQFDRTlTJey0PdNIXe1IGUTc40bwgOfoPmUI5"
    "9PEGVIcaSmBNmLv0OSBFhgRdBY8BkSZEKlIoJ4yN62j+ZUTRFnBPGxVhOEIMF9YtsTMvpn"
    "SBzFJ0Rf0Dzo1z90MWUe+aYl4n+DO2dMie/lcKCeuYAtd9QisGXnTH20guYRRo7L/XDGUu"
    "FgoaacLaUpU6Z0QhgxzTeXVyI0mBgUYgQTmKKWpiJREzM6Hhnj0FcZDEdOWtZznKvrofP5"
    "bOg4vTaox0UuZ8ZiuqnSPv3ENOGH49dvfnrz8z9+fPOzFrHNXJb89BDdOgUmUrTwXA17D7"
    "YeKxxJWIxTUHULwhlh6rwC3NMpFtXoJlpOJcy6/UWYE1Afh3Pvn+OQuQZC5M7ky3hgjELq"
    "e0S8ZGTuZBr2r966TDLD3xyfsImaGju8acD/v4Pb00+D26PjNy/MDbkeidEovYprjm2VMV"
    "FqEjOI7O8OBsnqrGSNGOst6fR5hN++bQPx27f1GJu6PMhkhqnfBeGlwpPAm4ik+KbeeT8A"
    "DrCUcy46uZWsDsDcCmbzYu0CcSK/MXh7ONR3EhtyxuuAeORz945UdOQTrsHErBrojFYB65"
    "FWWxPYy5I1IN0A7Mn19YW58kzKP31bcD4sAPzl8uTs9ui1xV0LUUWy85MUbB9LdcEnlA1U"
    "GfAPGi1FZ6QacaPq+EbXwaoCdy/Wfpn82D2H0mCD4fnl2efh4PImZ4gPg+GZqTm2pYtC6d"
    "GPhXGwvAj69Xz4CZl/0e/XV2cWTS7VRNg7pnLD33umTXqMc4fxuYO9LCZJcVKUs7QriMG9"
    "u51jxaczcmkm+tyvDf2A3jXzF3EH3BGrx2Ol0ehh4K1m9FgRjL5lRq8Y6nHrM1PBcORTOV"
    "3F7EtVcOlbZ+dal36yqGITaqmaxJ+PFtV0QgVrs/1mfRrepuQ4O0KbeE2AtgCtIRnHdxlG"
    "zBSMsHs3x8JzSjX8mNfJlqtmx7NiCWZ4YoEyT2Qal3C6AR3yO8J6VXxvUtdvonvDwMEBdZ"
    "SRXJ3wHSCfs8kPPr0nHtLj0SNMUeyjMRco0pUIMw9JIu6JkO8R1y8qXYI+XQ5ODctLFaIS"
    "ScVFtOQBmhdoXqB5G2nerhQv0LsdOJtsy7p0+LwacJCtwLb4dEA5kQd4W8GLXZdI+QtZdM"
    "E4UnLuIi3wGa1wNo2SZZT/8/n6qg7lpUpxZUpdhf6H9OJ1B2fYDdgaLHLL0QTSo8vBb0W0"
    "Ty+uT4rrTHOBkwrS94tchR+wnG8ogR/YCX6AfAuovlx3M8eKYOQdMDLw+ntG8QKvf4BGB1"
    "4fXDrw+hXDGXj9bYZ2S3h9vS5XdXncy7p+E6/vaqlHZnH/OuWGlDfZ21OCzAWRHuDvkOB8"
    "1kdSYRVGrP58SqzMAs2JIMisqZAkUeShgsj/arNNTaW5Uu+PArH/NSruG5rB3CISAKofqP"
    "6Dpfq3IqP7ub37JnJhI7/TPhc2kgd4W8Ebu/MOAKcam0s35synjGzIU6wFZpM33NF7RzqP"
    "8d2H153NNOeznuWsSDqbCRIsXndn8Qp85L5QU8BHHqDRgY8Elw58ZMVwBj5yZ6DVK3qnE+"
    "WV0VgToLtGfJX43Ty8ZWw/ckHohP1CFhbic90izNwqViXmnm6Xp1kkJO1OgfyQ9KGkNL2/"
    "wPMlB5vtWhoD/eQk2pGp74+uvlxc9B6ehzn/SC2oJdbclvebGPMxjY8YWS0DnqEw8Dn2iI"
    "fMldDRjHgUI5+OBBaLF+8RVRKNFopIZNLkozNODLEeCH5PvairfD/t/Wsvvo3QDhaYcWDG"
    "D5sZf9Yk+OeeX2wgpdVXJoqgtMMakm8VqyJTWpPamqo6KtbdB9Sb1kFnvw1zS6BSbutyGX"
    "RxffXvRLyY8Jo3gYtrdiHUQ59RAcS7Iz7mLvZvePwCbJvKbbWcIFGDdO7V07nn1NMurf38"
    "ZSkPq8byqnGqly/Tip5ci2aqAHCW4RxzMcOq0yaPjAp4hdW9whTLCqdQP9VL5PfhFbiJA+"
    "2qpncNx9ntz4xuA+DOaLdlSiIP8LZLeaB/VcD7gbh0hv2ajIdYpeiRI52Xse7uod0A7oez"
    "0/PLwcXR61f948I5agnub16VUs9ExSmX9UuPWHwf+u2mlx2BIPeUzL90AzzWcgD4RwCfEr"
    "BtHXRWZx8w38SBrjFkzowobDjWLnPoSmWYTa8+m85EEUpmaAjTRkoQpK1dH0K22J4lDkG2"
    "2AEaHbLFIFsMssXW/7aEbLEd3b2aobaIlHhiz1ZR2J2ahALp8HHZnJeYLYbc/G2ZSXUZXX"
    "mVt96zpqE0pFDZJ3MKqUmZ5xTEtz17GX9PMbWAcmGtY07lSqGPB8HSdnGtyUKKq9RU8HAy"
    "rTWXz+6se80mcp0OPp8OPliH6hSTgB4aU7CS56nIwso8an0iVtJEK7XaaaR2s3J8nb7ZwY"
    "ztrmXEBfKoIHqdqLj9wJRJY9PPRL6pvk3bkn0jM+JRPLFy87IkLF74uz6NsoHqtzCnywEt"
    "ktPNV+g20cBcraIut6SgkPUFWV+HnvWlOuYiQf7R6uwobIpeKyu6fId0gDjSgd26XXBOAS"
    "kB3fgZppwefIip/YeYgAjdM04MiNADNDoQoUCEAhFaMZyBCN0VaJfUSre9s0U12EBbQjZi"
    "s7rBmtMBTL+3KTklDGFbcpttybnuVbMxudI5AMRtIS46xk1v/87sTixERx4Xbkp2iO91rC"
    "l5yGKgqSmKlw86ZcJKxYhTPh71lEGnaC7aGHW6IWJGpYzwKwWeMrX973wOL1iKrh6BumYE"
    "Rd92QROBmX6IJOBkvp/eR9wqY99fIIaF4HMtMFogjLQhPWr14mN3b/Ws3USmtF9BPmaTMA"
    "6ftTkpIPlWe9QSiBtB3OjA40bxQOhgjlQDePZ28YzEgZVRrs/uzilBVvfqWd1Auu8Z/wqk"
    "+wEaHUh3IN2BdF/XjB1I902Q7nzJErTl21MNoIW/RwsnK/vHMpa8FeW1XdC25inTDrVVJ1"
    "QWaOIKsqpMJNcTVmIp+8ivPd0QHvgEzaccSd2JiIfC4L2loPTraYpMz0F8bAvsjbI8GQr8"
    "cELrvvdU4KWAhQIW6qBZqK34mtO+f4ydzDCtOEij4UCjRAHg7XCYQxeEn+XMjJ5vzmXckK"
    "tYC9JYyjkXndx3Vgd463bffiOSqJsYtyG/I53CBFbbSWDXs59YH8BvGzQYU3NIom5aZ+yz"
    "yoD8it5Fw8smK5GJSZ93oysAp7gLnGI0ZDpvhsnpwWaY9pthRr75wGJXuDNaADbsPDrYeB"
    "gEQQ/Q6BAEhQkLBEErhjMEQXcFWgiCQhB0vc59d4Og3IJaDn0mKetNGfrmoR5zOpQkyoQy"
    "swHMCb0nzOTop/HUKMyJjrgw5S72ffOv+WwfDxXS7xaPMEX1bd8hO5lwX0D8E+KfEP/8bv"
    "wTvtm3Vko327IuXT6vBmC3Atvi0wHlRB6CzG3CQkDk7RenA0TeARodiDwg8oDIW9fKB4i8"
    "TRFP9URJxo/lzw4oxHpj5Y+/3JrTF6on2pXnFewW+nXcVCkJ9pEYreG8le3AaZ3E24AI6k"
    "57FdRbXNNvIt9wKrMC9RYXAUW2XRTZvR6JHcmCjMrTcGPP/cJY/2LWDKoOCMfie4ju61ev"
    "WqCrpWrRtXWlDFJVeYpX46ETicqjjpzYNrQ3ceZEh8nR07/MHv4P7d4sBg=="
)
