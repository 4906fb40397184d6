"""The demo's words: names, places, carriers' vocabularies, ticket and survey texts, in
Korean and English. Data only: the plans choose among them."""
