from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "messages" ADD "generated" BOOL DEFAULT False;"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "messages" DROP COLUMN "generated";"""


MODELS_STATE = (
    "eJztne9v2zYax/8Vwq8ywCvWXLoN3eEAp0uvuSZxkbq3YcUg0BItE6FIjaTiGrv870dSki"
    "VZsmM5seMfz7uEfB6J/j4kTX5Ik393IhEQpl71gojyL4rIzlv0d4fjiJg/6pld1MFxXGTZ"
    "BI2HzFlja+Ylxs6l46HSEvvaZI0wU8QkBUT5ksaaCm5SecKYTRS+MaQ8tM/4RETMCJqMBW"
    "IiRJQjLZAeE+Qe/hYpEmOJNUEjKSIkSUiVJpIEyL22iyZUj5HgBImRcZOEICkYceVJOP0r"
    "IZ4WITEPtB/0658mmfKAfDMW2b/xnTeihAUVHWhgH+DSPT2NXdol1++dof0IQ88XLIl4YR"
    "xP9VjwmTXl2qaGhBNbfPt4LROriVUhUzCXKS1pYZIWseQTkBFOmC5pOPSKtI7n3fQH3ueL"
    "ged1VlE9S/IFtxEzRVXu04e2CN+fvj776eznf/x49rMxccWcpfz0kL66ECZ1dPLcDDoPLh"
    "9rnFo4jQtRTQmSiHB92SDuuzGWzermXl6jzKb88zLnoj5N584/Rwn3rYTIj9SrrGEME8oC"
    "Il9xMvFKBftXZ1MhifA3jxEe6rGNw9kS/f/bu333oXd7cnr2nX2hMC0xbaU3Wc6py7IhKk"
    "JiG5H7u0VAyj5rRSPTekcqfVXhN29WkfjNm8Ua27yqyCTClLVReObwLPLmJoW+Re98GALH"
    "WKmJkK26lbIPyLySzPaLtY3Euf3W5O3gxLxJbqkz3oTEQyb8O9JQkc+FERPzZqFLXnNaD4"
    "3bhsSepWxA6SXCnvf7V/bJkVJ/MZdwOZgT+Mv1+cXtyWunuzGimpTHJ4XYDCt9JULKe7ou"
    "+K9GLU0j0qy4dfWY9fWwbtA9yLxf5X/sX4eyJAaDy+uLz4Pe9adKIH7tDS5szqlLnc6lnv"
    "w41w5mD0G/XQ4+IPsv+qN/c+HUFEqH0r2xsBv80bFlMm1ceFxMPByUNcmT86RKpH1JrO7t"
    "45w5Pl+QayPRl/7aMB8w6HM2zSrgnkQ9aytLg57EwXpBzxwh6DsW9IamnpW+NBRMhoyq8T"
    "phn7lCl75zcV7YpZ9Pm2jCQlST9+fDaTNOaKA2ux/W5+E2tY6zpbR5rwnSzklrIePorkTE"
    "bMIQ+3cTLAOvliNOxSLbelZ0Gs2nYI5DJ5T9RLZwOdON6UDcEd5p4r15XncZ7k1iD8fU09"
    "ZyfeDbQ0zw8HtG70mATHsMCNcUMzQSEqW+CmEeIEXkPZHqFyTMF5VJQR+ue+8s5aUaUYWU"
    "FjKd8gDmBcwLmHcp5m2LeAHvtmA25ZK1qfBVN2CQK4nt9Gmhcm4P8q4kL/Z9otRHMm2jce"
    "rk3aVe0GespLMtlKqr/J/P/ZtFKs9c5mem1Nfof8hMXvdwhL1EW6tFZTqaS3py3ft9Xu13"
    "V/3z+XmmfcB5A/T9otbhA475Jgr4wF7wAfItpuZx7cOcOUKQ9yDIwPUPDPEC1z/CoAPXhy"
    "4duH5Dcwauv8vS7gjXN/NyvWgf9yyvu4zr+8bqibu4fxsLC+Xt7u0xQfaByDTwt0gKEXWR"
    "0lgnKdWfjImzmaIJkQTZORVSJF15aAD5X91uU5tpn9T5cw7sf02TuxYz2FekBoD6AfUfLe"
    "rfiR3dL927b2MvbNrvrL4XNrUHeVeSN+vOWwhceGxvu7HgjHKypZ5iIzLbfcMte+/U5yl9"
    "9/FVZzvM+WxGOWtCZztAgsnr/kxegUceCpoCHnmEQQceCV068MiG5gw8cm+kNTN6rxXyKn"
    "lsSNB9A181vluVt67teyEJDflHMnUSX5oSYe43UZWMPd3OTrPIIe1eifyQ16E8tXi/xJMZ"
    "gy1XLaOB+eQk/UWmeT+6+XJ11Xl4GXJ+TZTCrqLUwHme1V3GzaPU6Clb4R0pz57TtfgcO2"
    "SOhEQBlcTX9jQUe7pJXuMaGbkiJv4u22c0xbGLSXkxRzEmFd9qhnk7je3TGvIq8xwaAHYH"
    "7H7k2F2Tbw0TgYFJXbAvObM/BIC2bLh/8fugMtKvbeGcjfav+jf/zs3n93UCe98irJx9h7"
    "SQOPUBKNxG50KQmtBLT/uo+MF5H6uf9wF09sBAHdDZIww60Fmgs0BnG5oz0Nl9kXaGVtoh"
    "2nk34LQ1ZVOa1U7Wig9o+hj7LoAh0O9V6Helei3g342dA0i8qsTzHeNOrTJ8IjKiSqUfvb"
    "bQUMrtPnL2TjwzXX/Foc8JSn9IjkKJuakH+QKDPay1i4RzxoxNEcdSiokxGE4RRiYGAXV+"
    "2R7/WzN2QyPKTO1CDPMwyZZLHj+N5+vsYNi0JLB6AKsHR756kDWEFuEoPIC2rka18w6srv"
    "LiMzcqTnDqxvqnbgB6PTAKB+j1CIMO6BXQK6DXTY3YAb1uA72aqWdL6lp4ABx8DA42XxHT"
    "nltlj9kraVemVUWF2ilQNQcLG2BVHScuBlbFTX3Pd0GgMpXI3vwX/5LeEJjoMbI1J737L9"
    "0kq8qcDMUsCemiwyXmuBRQKKBQR02hduLoiEM/+fWFLwM8dHljKe5p4/rkkqsASz7bOzyC"
    "CR+zLXUVcOni3spsZuxEf8p0m13SsfLWd+vt5bKnV3eA+G0WDUZURtgWrbX2ZWdQfs3exc"
    "jLw7VgYl7n/fQJwBT3gSmmTab1TyIqfvCTiNV/EgH3zcLvT3agD9vT9TBYBD3CoMMiKAxY"
    "YBG0oTnDIui+SAuLoLAIutnOfX8XQYUTtb70mW9ZX7ZD336op5wGpIi2S5nlBcyQ3tsD8w"
    "Uq1lPTZU50IqRN9zFj9t8JNXUo0aUbddVb5AYT/new/gnrn7D++ej654vekvvSQwy4J/eg"
    "xHb6tFA5t4dF5lWWhQDkHRbTAZB3hEEHkAcgD0DepmY+APK2BZ4Wg5JSP1Y9O2BurTdzfv"
    "/xljC8YKDdeF7Bfqm/iE3VNsE+UaMNnLqxGzptErz1iKT+uNOA3rKc7jL4hgubNdBblgSI"
    "bLcQ2b1piS1hQcnledjYS39hbH4yaxtVC4Uz8wNU9/UPP6ygrrFaqK7Lq+0g1Y1nOS09dC"
    "J3edKRE7um9jbOnGgxOHr+L7OH/wPv0YM4"
)
