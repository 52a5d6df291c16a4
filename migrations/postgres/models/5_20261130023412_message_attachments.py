from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE "messages_attachments_lnk" (
    "file_id" INT NOT NULL REFERENCES "files" ("id") ON DELETE CASCADE,
    "message_id" INT NOT NULL REFERENCES "messages" ("id") ON DELETE CASCADE
);
        CREATE INDEX IF NOT EXISTS "idx_messages_room_ff84d3" ON "messages" ("room", "id");
CREATE UNIQUE INDEX IF NOT EXISTS "uidx_messages_attachments_lnk_message_id" ON "messages_attachments_lnk" ("message_id", "file_id");
CREATE INDEX IF NOT EXISTS "idx_messages_attachments_lnk_file_id" ON "messages_attachments_lnk" ("file_id");
ALTER TABLE "messages_attachments_lnk" ADD COLUMN IF NOT EXISTS "id" SERIAL;"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP INDEX IF EXISTS "idx_messages_room_ff84d3";
        DROP TABLE IF EXISTS "messages_attachments_lnk";"""


MODELS_STATE = (
    "eJztXW1v2zgS/iuEP6WAt2iz6e6iPSzgpOk117whdW4XWywEWqJtIjKpJam43r389yMpyZ"
    "L1FsmJHb/MlyAmZyjqGXFEPjOk/ulMuEd8+brnTSi7lUR03qN/OgxPiP6nWNlFHRwEaZUp"
    "UHjgW2lsxJxQy9lyPJBKYFfpqiH2JdFFHpGuoIGinOlSFvq+KeSuFqRsZNq4JjzwCZqOOf"
    "L5CFGGFEdqTJBt/D2SJMACK4KGgk+QICMqFRHEQ/ayXTSlaow4I4gPtZogBAnuE9ufkNG/"
    "QuIoPiK6QXOj3/7UxZR55LuWiH8Gd86QEt9bwIF6pgFb7qhZYMvOmPpkBc0tDByX++GEpc"
    "LBTI05m0tTpkzpiDBium+aVyI0mBgUYgQTmKKepiJRFzM6Hhni0FcZDAdOWtZxnMurvvP1"
    "tO84nSaox0UuZ8ZiuqvS3v3IdOGHw7dHPx/98uNPR79oEdvNecnPD9GlU2AiRQvPZb/zYO"
    "uxwpGExTgFVfcgnBCmzkrAPRljUY5uouWUwqz7n4c5AfVpOHf+NQyZayBE7kS+jgfGIKS+"
    "R8RrRqZOpmO/dlZlkgn+7viEjdTY2OGoBv//9m5OPvduDg6PXpkLcj0So1F6Gdcc2ipjot"
    "QkZhDZ/1sYJKuzlDVirDfkoV9E+N27JhC/e1eNsalbBJlMMPXbIDxXeBZ4E5EU39Q77wbA"
    "AZZyykUrt5LVAZgbwWxerG0gTuTXBm8Hh/pKYk3OeBUQD3zu3pGSB/mYazAxKwc6o5XDeq"
    "DVVgT2vGQFSNcAe3x1dW5ankj5l28Lzvo5gG8vjk9vDt5a3LUQVSQ7P0nB9rFU53xEWU8V"
    "Af+o0VJ0QsoRN6qOb3QdrEpw92Lt18k/2+dQamzQP7s4/drvXVwvGOJjr39qag5t6SxXev"
    "BTbhzMG0G/nfU/I/MT/XF1eWrR5FKNhL1iKtf/o2P6pMc4dxifOtjLYpIUJ0ULlnYFMbi3"
    "t3Os+HxGLsxEX/q1oW/Qu2L+LH4At8Tq8VipNXoYeMsZPVYEo2+Y0UuGetz7zFQwHPhUjp"
    "cx+1wVXPrG2bnSpR/PytiESqom8eeDWTmdUMLabL5Zn4e3KTjOltAmXhOgzUFrSMbhXYYR"
    "MwUD7N5NsfCcQg0/5FWyxarJ4SRfghkeWaDMHZnOJZxuQPv8jrBOGd+b1HXr6N4wcHBAHW"
    "Uklyd8e8jnbPSDT++Jh/R49AhTFPtoyAWKdCXCzEOSiHsi5AfE9YtKl6DPF70Tw/JShahE"
    "UnERLXmA5gWaF2jeWpq3LcUL9G4LzibbszYP/KIacJCNwLb4tEA5kQd4G8GLXZdI+YXM2m"
    "AcKTl3kRb4jEY4m07JIsr/+Xp1WYXyXCW/MqWuQv9DevG6hTPsGmwNFgvL0QTSg4ve73m0"
    "T86vjvPrTNPAcQnpeyuX4Qcs5xtK4Ae2gh8g3wOqm2tv5lgRjLwFRgZef8coXuD199DowO"
    "uDSwdev2Q4A6+/ydBuCK+v1+WqKo97Xtet4/VdLfXELO7fxtyQ8iZ7e0yQaRDpAf4eCc4n"
    "XSQVVmHE6k/HxMrM0JQIgsyaCkkSRR5KiPxvNtvUVJqWOn/miP1vUXHX0AzmEpEAUP1A9e"
    "8t1b8RGd0v7d3XkQsb+Z3mubCRPMDbCN7YnbcAONVYX7oxZz5lZE2eYiUwm7zhlt470nmK"
    "796/x9lMc77qWc6SpLOZIMHidXsWr8BH7go1BXzkHhod+Ehw6cBHlgxn4CO3Blq9ondaUV"
    "4ZjRUBum3EV4HfXYS3iO0nLggdsS9kZiE+0z3CzC1jVWLu6WZ+mkVC0m4VyA/JM5SUptcX"
    "eDrnYLOPlsZA3zmJdmTq66PL2/PzzsPLMOefqAW1wJrb8m4dYz6k8REjy2XAMxQGPsce8Z"
    "BpCR1MiEcx8ulAYDF79QFRJdFgpohEJk0+OuPEEOuB4PfUix6Vx9Pev3XiywjtYIEZB2Z8"
    "v5nxF02Cf+n5xRpSWn1loghKO6w++V6yKjKlFamtqaqjYt1dQL1uHXT6e39hCVTIbZ0vg8"
    "6vLv+diOcTXhdN4OKKXQjV0GdUAPH2iA+5i/1rHr8Am6ZyWy0nSNQgnXv5dO4p9bRLaz5/"
    "mcvDqrG4ahzr5cu45EmuRDNVADiLcA65mGDVapNHRgW8wvJeYYxliVOonuol8rvwClzHgX"
    "Zl07ua4+x2Z0a3BnAntN0yJZEHeJulPNC/S+D9SFw6wX5FxkOskvfIkc7rWHf70K4B9+Pp"
    "ydlF7/zg7ZvuYe4ctQT3ozeF1DNRcspl9dIjFt+F53bdy45AkHtKprftAI+1HAD+CcCnBG"
    "xTB53V2QXM13GgawyZMyEKG461zRy6VBlm08vPpjNRhIIZasK0kRIEaSvXh5AttmOJQ5At"
    "todGh2wxyBaDbLHVvy0hW2xLd69mqC0iJR7Zs1UUdscmoUA6fFg05wVmsz43fxtmUl1ELS"
    "/z1nvRNJSaFCp7Z04uNSlzn4L49smex99TTC2gXFjrmFO5UujjQTC3XVxrspDiKjUWPByN"
    "K83lszvrXrOJXCe9rye9j9ahOvkkoIfaFKzkfkqysDK3Wp2IlXTRSi13GqndrBy30zU7mL"
    "HdtYy4QB4VRK8TFbcfmDJpbPqeyHfVtWlbsmtkBjyKJ5ZuXpaExQt/16dRNlD1FuZ0OaBF"
    "0mJtFvs701ZOkLg0MK2X1C0sMShkgUEW2L5ngamWuUmQj7Q8WwqbpFfKks7fKS0gjnRg92"
    "4bnFNACkDXfpZpQQ8+zNT8w0xAjO4YRwbE6B4aHYhRIEaBGC0ZzkCMbgu0c2ql3V7avBps"
    "qC0gG7FZ7WBd0AFMH9uknBKGsE25yTblhcerYqNyqXMAiJtCnHeM694OntmtmIuWPC38lO"
    "wY3+nYU3KT+cBTXVRvMQiVCTPlI1CL8annDEJFc9HaKNQ1ERMqZYRfIRCVqe0+8nm8YC66"
    "fETqihEUfesFjQRm+iaSAJT5nnoXcauMfX+GGBaCT7XAYIYw0ob0qNWLj+G90bN2E6nSfg"
    "X5mI3COJzW5OSA5NvtUU8gbgRxoz2PG8UDoYU5Ug3g2ZvFMxIHVkS5Ott7QQmyvJfP8gbS"
    "fcf4VyDd99DoQLoD6Q6k+6pm7EC6r4N053OWoCnfnmoALfwYLZys7J/KWPJGlNdmQduYp0"
    "wfqI06sTJHE5eQVUUiuZqwEnPZJ3796ZrwwCdoOuZI6oeIeCgMPlgKSr+exsg8OYgPbYG9"
    "UJYnQ4EfjmjV959yvBSwUMBC7TULtRFfd9r1j7OTCaYlB2vUHHCUKAC8LQ53aIPwi5yh0f"
    "HNOY1rchUrQRpLOeWilfvO6gBv3exbcEQSdR3j1ud3pFWYwGo7Cex69hPrA/hNgwZDag5N"
    "1F1rjX1WGZBf0rtoeNloKTIxeebdqAXgFLeBU4yGTOvNMAt6sBmm+WaYgW8+uNgW7owWgA"
    "07j/Y2HgZB0D00OgRBYcICQdCS4QxB0G2BFoKgEARdrXPf3iAot6AWQ59Jynpdhr65qaec"
    "FiWJMqHMbABzRO8JMzn6aTw1CnOiAy5MuYt93/w0n/HjoUL63eIRpqi+7HtkJxPuK4h/Qv"
    "wT4p+Pxj/hG34rpXSzPWvzyC+qAdiNwLb4tEA5kYcgc5OwEBB5u8XpAJG3h0YHIg+IPCDy"
    "VrXyASJvXcRTNVGS8WOLZwfkYr2x8qcvN+b0hfKJdul5BduFfhU3VUiCfSJGKzhvZTNwWi"
    "Xx1iOCuuNOCfUW13TryDecyixBvcVFQJFtFkV2r0diS7Igo/I83NhLvzBWv5g1g6oFwrH4"
    "DqL79s2bBuhqqUp0bV0hg1SVnuJVe+hEovKkIyc2De11nDnRYnL0/C+zh/8DCmMwaA=="
)
