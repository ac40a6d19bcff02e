"""The demo zoo: MNIST CNNs and MLPs over seeds, checkpoints and graded shifts (``mnist``, ``shifts``), MiniLM and
MPNet (and optionally Gemma) on a sentence set and its words (``sentences``, ``language``, ``mpnet``), and
``demo.build_demo`` putting them in a store."""
