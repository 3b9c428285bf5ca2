"""A small linear classifier of short texts, over word and character n-grams.

Sedia uses it twice: to read the theme of each sentence of a long message
(bot/nlp/paragraph_themes.py) and to read which MQA topic a question asks about
(bot/guidance/mqa_topics.py). Character n-grams carry Malay affixes and English-Malay
mixing ("bajetnya", "lecturer kami") that a word vocabulary trained on short examples has
not seen. It is pure scikit-learn: it trains in a second and needs no model download.
"""

from __future__ import annotations

from typing import Dict, List, Sequence, Tuple


class TextClassifier:
    """Logistic regression over tf-idf word 1-2-grams and character 3-5-grams."""

    def __init__(self, regularisation: float = 16.0) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline, make_union

        features = make_union(
            TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, min_df=1),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2),
        )
        classifier = LogisticRegression(C=regularisation, max_iter=2000, class_weight="balanced")
        self._pipeline = make_pipeline(features, classifier)
        self.labels: Tuple[str, ...] = ()

    def prepare(self, text: str) -> str:
        """The text as the features read it: in lower case."""
        return text.lower()

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> "TextClassifier":
        """Learn from short labelled texts."""
        self._pipeline.fit([self.prepare(t) for t in texts], list(labels))
        self.labels = tuple(str(c) for c in self._pipeline.classes_)
        return self

    def scores(self, texts: Sequence[str]) -> List[Dict[str, float]]:
        """Each text's probability per label."""
        rows = self._pipeline.predict_proba([self.prepare(t) for t in texts])
        return [{label: float(p) for label, p in zip(self.labels, row)} for row in rows]

    def ranking(self, text: str) -> Tuple[Tuple[str, float], ...]:
        """One text's labels, likeliest first, with their probabilities."""
        (scores,) = self.scores([text])
        return tuple(sorted(scores.items(), key=lambda item: item[1], reverse=True))
