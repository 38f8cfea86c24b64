"""Wrong submissions for Regularization/ (see tests/test_hidden_tests.py)."""

from . import Wrong

WRONG = {
    # --- 01_overfitting_and_remedies.ipynb ---
    # --- 02_tf_data_pipelines.ipynb ---
    # --- 03_data_augmentation.ipynb ---
    # --- 04_transfer_learning.ipynb ---
}
