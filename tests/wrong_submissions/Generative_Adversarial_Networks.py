"""Wrong submissions for Generative-Adversarial-Networks/ (see tests/test_hidden_tests.py)."""

from . import Wrong, forget_saved, with_line

WRONG = {}

# --- notebook 01: add entries with WRONG.update({...}) below this line ---


# --- notebook 02: add entries with WRONG.update({...}) below this line ---


# --- notebook 03: add entries with WRONG.update({...}) below this line ---


# --- notebook 04: add entries with WRONG.update({...}) below this line ---


# --- notebook 05: add entries with WRONG.update({...}) below this line ---


