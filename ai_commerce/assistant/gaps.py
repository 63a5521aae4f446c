"""The FAQ-gaps report: the questions it could not answer (or answered unhelpfully), grouped by similar questions
(greedy, by the share of meaningful words two questions have in common), biggest group first."""

from .retrieval import terms

SIMILAR = 0.5


def group(questions, similar=SIMILAR):
    """Return ``[{"example": text, "count": n, "questions": [...]}, ...]``, biggest first."""
    groups = []
    for question in questions:
        words = set(terms(question))
        for found in groups:
            union = words | found["words"]
            if union and len(words & found["words"]) / len(union) >= similar:
                found["questions"].append(question)
                break
        else:
            groups.append({"words": words, "questions": [question]})
    result = [{"example": g["questions"][0], "count": len(g["questions"]), "questions": g["questions"][:10]}
              for g in groups]
    return sorted(result, key=lambda g: -g["count"])
