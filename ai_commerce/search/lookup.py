"""Which products a shopper's words name, read from the serving search index: the finder behind
``ai_commerce.product_lookup`` (the assistant resolves "is the blu cotton dres in stock?" with it), so that a product
is found with the same typos, stems and synonyms as in the search box. No query: the index is in memory."""

from ai_commerce.product_lookup import NamedProduct

from . import serving, text


def find(words, k=25):
    """Return up to ``k`` ``NamedProduct``s whose titles ``words`` match, best first."""
    state = serving.state()
    index = state.index
    matches = index.match(words, synonyms=state.synonyms, prefix_last=False, fields=("title",))
    best = sorted(matches.scores.items(), key=lambda item: (-item[1], item[0]))[:k]
    found = []
    for position, score in best:
        title_stems = {text.stem(w) for w in text.tokens(index.titles[position]) if w not in text.STOPWORDS}
        held, named_by = set(), []
        for word, expansions in zip(matches.words, matches.expansions, strict=True):
            hit = next((e.stem for e in expansions if e.stem in title_stems), None)
            if hit is not None:
                held.add(hit)
                named_by.append(word)
        found.append(NamedProduct(index.ids[position], len(held), len(title_stems), score, tuple(named_by)))
    return found
