"""The demo zoo: digits CNNs over seeds, epochs and OOD shifts (``digits``), MiniLM on a templated sentence set
(``sentences``, ``minilm``), and ``demo.build_demo`` putting both in a store."""
