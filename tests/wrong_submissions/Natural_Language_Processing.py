"""Wrong submissions for Natural-Language-Processing/ (see tests/test_hidden_tests.py)."""

from . import Wrong, forget_saved, with_line


# Exercise 1.4's correct byte-pair encoding; each wrong submission changes one line of it (see _bpe_with).
_BPE = """
def bpe_apply(symbols, pair):
    merged, i = [], 0
    while i < len(symbols):
        if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == tuple(pair):
            merged.append(symbols[i] + symbols[i + 1])
            i += 2
        else:
            merged.append(symbols[i])
            i += 1
    return merged


def learn_bpe(word_counts, n_merges):
    words = {tuple(word) + ("</w>",): count for word, count in word_counts.items()}
    merges = []
    for _ in range(n_merges):
        pairs = Counter()
        for symbols, count in words.items():
            for pair in zip(symbols, symbols[1:]):
                pairs[pair] += count
        if not pairs:
            break
        best = min(pairs, key=lambda pair: (-pairs[pair], pair))
        merges.append(best)
        words = {tuple(bpe_apply(symbols, best)): count for symbols, count in words.items()}
    return merges


def bpe_split(word, merges):
    symbols = list(word) + ["</w>"]
    for pair in merges:
        symbols = bpe_apply(symbols, pair)
    return symbols
"""


def _bpe_with(line: str, wrong_line: str) -> str:
    return with_line(_BPE, line, wrong_line)


# Exercise 2.2's correct cell; each wrong submission changes one line of it.
_BIGRAM_TRAINING = """
def build_dense_classifier(input_dim):
    inputs = keras.Input(shape=(input_dim,))
    x = layers.Dense(16, activation="relu")(inputs)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def train_classifier(train_ds, val_ds, input_dim):
    model = build_dense_classifier(input_dim)
    early_stopping = keras.callbacks.EarlyStopping(monitor="val_loss", patience=PATIENCE, restore_best_weights=True)
    model.fit(train_ds, validation_data=val_ds, epochs=EPOCHS, callbacks=[early_stopping], verbose=2)
    return model


bigram_model = checks.train_or_load("bigram_dense.keras",
                                    lambda: train_classifier(bigram_train_ds, bigram_val_ds, MAX_TOKENS))
"""


def _with_bigram_training(line: str, wrong_line: str) -> str:
    return with_line(_BIGRAM_TRAINING, line, wrong_line)


WRONG = {
    # --- 01_text_as_data.ipynb ---
    ("01_text_as_data.ipynb", "ex1_1_check"): [
        Wrong(
            source=r"""
def normalize(text):
    return re.sub(r"<br\s*/?>", " ", text, flags=re.IGNORECASE).lower()


def tokenize(text):
    return re.findall(r"[a-z0-9]+(?:'[a-z0-9]+)*|[^\w\s]|_", normalize(text))  # ASCII letters only
""",
            why="matches only ASCII letters and digits: accented letters are dropped or split words",
        ),
        Wrong(
            source=r"""
def normalize(text):
    return re.sub(r"<br\s*/?>", " ", text, flags=re.IGNORECASE).lower()


def tokenize(text):
    return re.findall(r"[\w']+|[^\w\s]", normalize(text))  # apostrophes anywhere in a word, _ inside words
""",
            why="keeps apostrophes at the start and end of words (quotation marks) as part of the word",
        ),
        Wrong(
            source=r"""
def normalize(text):
    return text.replace("<br />", " ").lower()  # only the exact form <br />


def tokenize(text):
    return re.findall(r"[^\W_]+(?:'[^\W_]+)*|[^\w\s]|_", normalize(text))
""",
            why="removes only the exact line break <br />, not <br>, <BR/> or <br  />",
        ),
        Wrong(
            source=r"""
def normalize(text):
    return re.sub(r"<br\s*/?>", " ", text, flags=re.IGNORECASE).lower()


def tokenize(text):
    return re.findall(r"[^\W_]+(?:'[^\W_]+)*|[^\w ]|_", normalize(text))  # only " " counts as white space
""",
            why="treats only the space character as white space: newlines and tabs become tokens",
        ),
    ],
    ("01_text_as_data.ipynb", "ex1_2_check"): [
        Wrong(
            source="""
def build_vocabulary(tokenized_texts, max_size, min_count=1):
    counts = Counter(token for tokens in tokenized_texts for token in tokens)
    vocabulary = {"<pad>": 0, "<unk>": 1}
    for token, count in counts.most_common():  # ties in order of first appearance, not alphabetical
        if count >= min_count and len(vocabulary) < max_size:
            vocabulary[token] = len(vocabulary)
    return vocabulary


def encode(tokens, vocabulary):
    return [vocabulary.get(token, 1) for token in tokens]
""",
            why="breaks ties by first appearance (Counter.most_common) instead of alphabetically",
        ),
        Wrong(
            source="""
def build_vocabulary(tokenized_texts, max_size, min_count=1):
    counts = Counter(token for tokens in tokenized_texts for token in set(tokens))  # documents, not occurrences
    kept = sorted((t for t, c in counts.items() if c >= min_count), key=lambda t: (-counts[t], t))
    vocabulary = {"<pad>": 0, "<unk>": 1}
    for token in kept[: max_size - 2]:
        vocabulary[token] = len(vocabulary)
    return vocabulary


def encode(tokens, vocabulary):
    return [vocabulary.get(token, 1) for token in tokens]
""",
            why="counts the texts a token occurs in (document frequency) instead of its occurrences",
        ),
        Wrong(
            source="""
def build_vocabulary(tokenized_texts, max_size, min_count=1):
    counts = Counter(token for tokens in tokenized_texts for token in tokens)
    kept = sorted((t for t, c in counts.items() if c >= min_count), key=lambda t: (-counts[t], t))
    vocabulary = {"<pad>": 0, "<unk>": 1}
    for token in kept[: max_size - 2]:
        vocabulary[token] = len(vocabulary)
    return vocabulary


def encode(tokens, vocabulary):
    return [vocabulary.get(token.lower(), 1) for token in tokens]  # normalises again: "Film" becomes known
""",
            why="lower-cases the tokens again in encode, so a token that is not in the vocabulary gets an index",
        ),
    ],
    ("01_text_as_data.ipynb", "ex1_3_check"): [
        Wrong(
            source="""
def make_tfidf_pipeline(C):
    return Pipeline([
        ("tfidf", TfidfVectorizer(tokenizer=tokenize, token_pattern=None, lowercase=False, ngram_range=(1, 2),
                                  min_df=2)),  # raw term frequencies: sublinear_tf forgotten
        ("logreg", LogisticRegression(C=C, max_iter=1_000)),
    ])
""",
            why="forgets sublinear_tf=True: raw term frequencies instead of 1 + ln(tf)",
        ),
        Wrong(
            source="""
def make_tfidf_pipeline(C):
    return Pipeline([
        ("tfidf", TfidfVectorizer(tokenizer=tokenize, token_pattern=None, lowercase=False, min_df=2,
                                  sublinear_tf=True)),  # unigrams only
        ("logreg", LogisticRegression(C=C, max_iter=1_000)),
    ])
""",
            why="uses unigrams only (ngram_range left at (1, 1))",
        ),
        Wrong(
            source="""
def make_tfidf_pipeline(C):
    return Pipeline([
        ("tfidf", TfidfVectorizer(tokenizer=tokenize, token_pattern=None, lowercase=False, ngram_range=(1, 2),
                                  min_df=2, sublinear_tf=True)),
        ("logreg", LogisticRegression(max_iter=1_000)),  # C ignored: always 1.0
    ])
""",
            why="ignores the argument C (the classifier keeps its default C=1.0)",
        ),
    ],
    ("01_text_as_data.ipynb", "ex1_4_check"): [
        Wrong(
            source=_bpe_with("best = min(pairs, key=lambda pair: (-pairs[pair], pair))",
                             "best = max(pairs, key=pairs.get)  # ties: the pair seen first, not the smallest"),
            why="breaks ties by the pair seen first instead of the smallest pair",
        ),
        Wrong(
            source=_bpe_with("pairs[pair] += count", "pairs[pair] += 1  # each distinct word once: its count is ignored"),
            why="counts each distinct word once instead of weighting its pairs by the word's count",
        ),
        Wrong(
            source=_bpe_with("        if not pairs:\n            break\n", ""),
            why="does not stop when no pair is left (more merges asked for than possible)",
        ),
        Wrong(
            source=_bpe_with(_BPE[_BPE.index("def bpe_apply"):_BPE.index("def learn_bpe")],
                             "def bpe_apply(symbols, pair):\n"
                             "    # merging by string replacement also joins the end of a longer symbol with the next one\n"
                             "    return \" \".join(symbols).replace(\" \".join(pair), \"\".join(pair)).split(\" \")\n\n\n"),
            why="merges with str.replace on the space-joined symbols, which also matches inside longer symbols",
        ),
    ],
    # --- 02_bag_of_words_models.ipynb ---
    ("02_bag_of_words_models.ipynb", "ex2_1_check"): [
        Wrong(
            source="""
def make_vectorizer(texts, max_tokens, ngrams, output_mode):
    vectorizer = layers.TextVectorization(max_tokens=max_tokens, ngrams=ngrams, output_mode=output_mode)
    vectorizer.adapt(texts)  # the default standardisation: '<br />' becomes the word 'br'
    return vectorizer
""",
            why="keeps the default standardisation, so the HTML line breaks become the token 'br'",
        ),
        Wrong(
            source="""
def make_vectorizer(texts, max_tokens, ngrams, output_mode):
    vectorizer = layers.TextVectorization(max_tokens=max_tokens, ngrams=2, output_mode=output_mode,  # always bigrams
                                          standardize=standardize_review)
    vectorizer.adapt(texts)
    return vectorizer
""",
            why="ignores the ngrams argument: always adds bigrams",
        ),
    ],
    ("02_bag_of_words_models.ipynb", "ex2_2_check"): [
        Wrong(
            setup=forget_saved("bigram_dense"),
            source=_with_bigram_training("patience=PATIENCE, restore_best_weights=True)",
                                         "patience=PATIENCE)  # keeps the last weights"),
            why="EarlyStopping without restore_best_weights=True: the model keeps the weights of the last epoch",
        ),
        Wrong(
            setup=forget_saved("bigram_dense"),
            source=_with_bigram_training("model.fit(train_ds, validation_data=val_ds,",
                                         "model.fit(val_ds, validation_data=train_ds,  # swapped\n              "),
            why="swaps the data sets: trains on the validation reviews and validates on the training reviews",
        ),
    ],
    ("02_bag_of_words_models.ipynb", "ex2_3_check"): [
        Wrong(
            source="""
def build_end_to_end(vectorizer, classifier):
    strings = keras.Input(shape=(), dtype="string")
    vectors = layers.Lambda(lambda s: vectorizer(s))(strings)  # a Python function: load_model refuses it
    return keras.Model(strings, classifier(vectors), name="bigram_end_to_end")


end_to_end = build_end_to_end(bigram_vectorizer, bigram_model)
""",
            why="wraps the vectoriser in a Lambda layer: the saved model cannot be loaded again",
        ),
        Wrong(
            source="""
def build_end_to_end(vectorizer, classifier):
    strings = keras.Input(shape=(), dtype="string")
    return keras.Model(strings, bigram_model(bigram_vectorizer(strings)))  # the notebook's layers, not the arguments


end_to_end = build_end_to_end(bigram_vectorizer, bigram_model)
""",
            why="uses the notebook's bigram_vectorizer and bigram_model instead of the layers passed in",
        ),
    ],
    # --- 03_word_embeddings.ipynb ---
    ("03_word_embeddings.ipynb", "ex3_1_check"): [
        Wrong(
            source="""
def nearest_neighbours(word, words, vectors, k=5):
    index = words.index(word)  # a ValueError, not the KeyError asked for, when the word is missing
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    similarities = unit @ unit[index]
    similarities[index] = -np.inf
    order = np.argsort(-similarities)[:k]
    return [(words[i], float(similarities[i])) for i in order]
""",
            why="divides zero vectors by a zero norm (nan) and raises ValueError for an unknown word",
        ),
        Wrong(
            source="""
def nearest_neighbours(word, words, vectors, k=5):
    if word not in words:
        raise KeyError("word not in the vocabulary")  # the message does not say which word
    index = words.index(word)
    norms = np.linalg.norm(vectors, axis=1)
    unit = vectors / np.maximum(norms, 1e-12)[:, None]
    similarities = unit @ unit[index]
    similarities[index] = -np.inf
    order = np.argsort(-similarities)[:k]
    return [(words[i], float(similarities[i])) for i in order]
""",
            why="raises a KeyError whose message does not name the unknown word",
        ),
    ],
    ("03_word_embeddings.ipynb", "ex3_2_check"): [
        Wrong(
            source="""
def skipgram_pairs(sequence, window):
    sequence = [w for w in sequence if w >= 2]  # drops padding and unknown words first: the window reaches past them
    pairs = []
    for i in range(len(sequence)):
        for j in range(max(0, i - window), min(len(sequence), i + window + 1)):
            if j != i:
                pairs.append((sequence[i], sequence[j]))
    return np.array(pairs, dtype=np.int64).reshape(-1, 2)
""",
            why="removes padding and unknown words before windowing, so the window reaches across them",
        ),
        Wrong(
            source="""
def skipgram_pairs(sequence, window):
    pairs = []
    for i in range(len(sequence)):
        for j in range(max(0, i - window), min(len(sequence), i + window + 1)):
            if j != i:
                pairs.append((sequence[i], sequence[j]))  # padding and unknown words are not skipped
    return np.array(pairs)
""",
            why="keeps pairs with padding and unknown words, and returns shape (0,) when there are none",
        ),
    ],
    ("03_word_embeddings.ipynb", "ex3_3_check"): [
        Wrong(
            source="""
def glove_matrix(vocabulary, words, vectors):
    row_of = {w: i for i, w in enumerate(words)}
    matrix = np.zeros((len(vocabulary), 50))  # float64, and the size 50 written in
    for i, word in enumerate(vocabulary):
        if word in row_of:
            matrix[i] = vectors[row_of[word]]
    return matrix
""",
            why="hard-codes 50 dimensions and returns float64",
        ),
        Wrong(
            source="""
def glove_matrix(vocabulary, words, vectors):
    row_of = {w: i for i, w in enumerate(words)}
    rows = [vectors[row_of[w]] for w in vocabulary if w in row_of]  # missing words dropped: later rows shift up
    matrix = np.zeros((len(vocabulary), vectors.shape[1]), dtype=np.float32)
    matrix[len(vocabulary) - len(rows):] = rows
    return matrix
""",
            why="drops the missing words, so the rows after a missing word shift (correct only when the missing words come first)",
        ),
    ],
    ("03_word_embeddings.ipynb", "ex3_4_check"): [
        Wrong(
            source="""
def build_classifier(embedding_matrix=None, trainable=True, learning_rate=1e-3):
    initializer = "uniform" if embedding_matrix is None else keras.initializers.Constant(embedding_matrix)
    inputs = keras.Input(shape=(MAXLEN,), dtype="int32")
    x = layers.Embedding(VOCAB_SIZE, EMBED_DIM, embeddings_initializer=initializer, trainable=trainable)(inputs)  # no mask
    x = layers.GlobalAveragePooling1D()(x)
    x = layers.Dense(16, activation="relu")(x)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss="binary_crossentropy",
                  metrics=["accuracy"])
    return model
""",
            why="forgets mask_zero=True: the padding zeros enter the average",
        ),
        Wrong(
            source="""
def build_classifier(embedding_matrix=None, trainable=True, learning_rate=1e-3):
    inputs = keras.Input(shape=(MAXLEN,), dtype="int32")
    embedding = layers.Embedding(VOCAB_SIZE, EMBED_DIM, mask_zero=True)
    x = embedding(inputs)
    if embedding_matrix is not None:
        embedding.set_weights([embedding_matrix])  # trainable is ignored: the GloVe rows are always fine-tuned
    x = layers.GlobalAveragePooling1D()(x)
    x = layers.Dense(16, activation="relu")(x)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss="binary_crossentropy",
                  metrics=["accuracy"])
    return model
""",
            why="ignores trainable: the 'frozen' embedding is trained too",
        ),
        Wrong(
            source="""
def build_classifier(embedding_matrix=None, trainable=True, learning_rate=1e-3):
    initializer = "uniform" if embedding_matrix is None else keras.initializers.Constant(embedding_matrix)
    inputs = keras.Input(shape=(MAXLEN,), dtype="int32")
    x = layers.Embedding(VOCAB_SIZE, EMBED_DIM, mask_zero=True, embeddings_initializer=initializer,
                         trainable=trainable)(inputs)
    x = layers.GlobalAveragePooling1D()(x)
    x = layers.Dense(16, activation="relu")(x)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])  # learning_rate ignored
    return model
""",
            why="compiles with optimizer='adam', ignoring the learning_rate argument",
        ),
    ],
    # --- 04_recurrent_networks.ipynb ---
    ("04_recurrent_networks.ipynb", "ex4_1_check"): [
        Wrong(
            source="""
def simple_rnn_forward(x, W, U, b, return_sequences=False):
    x = np.asarray(x, dtype=float)
    h = np.zeros((x.shape[0], U.shape[0]))
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ W + h @ U + b)
    return h  # return_sequences ignored: always the last state
""",
            why="ignores return_sequences and always returns the last state",
        ),
        Wrong(
            source="""
def simple_rnn_forward(x, W, U, b, return_sequences=False):
    x = np.asarray(x, dtype=float)
    h = np.zeros((x.shape[0], U.shape[0]))
    states = []
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ W + h @ U + b)
        states.append(h)
    return np.array(states) if return_sequences else h  # shape (steps, batch, units): time first
""",
            why="stacks the states with time first, (steps, batch, units), instead of (batch, steps, units)",
        ),
    ],
    ("04_recurrent_networks.ipynb", "ex4_2_check"): Wrong(
        source="""
def pad_and_mask(sequences, maxlen):
    padded = np.zeros((len(sequences), maxlen), dtype="int32")
    mask = np.zeros((len(sequences), maxlen), dtype=bool)
    for i, sequence in enumerate(sequences):
        kept = list(sequence)[:maxlen]  # keeps the beginning of a long review
        padded[i, : len(kept)] = kept
        mask[i, : len(kept)] = True
    return padded, mask
""",
        why="truncates long reviews at the end (keeps their first maxlen words) instead of keeping the end",
    ),
    ("04_recurrent_networks.ipynb", "ex4_3_check"): [
        Wrong(
            source="""
def memory_span(norms, fraction=0.01):
    norms = np.asarray(norms, dtype=float)
    threshold = fraction * norms[-1]  # relative to the last step, not to the largest norm
    span = 0
    for value in norms[::-1]:
        if value < threshold:
            break
        span += 1
    return span
""",
            why="measures the threshold from the last step's norm instead of the largest norm",
        ),
        Wrong(
            source="""
def memory_span(norms, fraction=0.01):
    norms = np.asarray(norms, dtype=float)
    below = norms[::-1] < fraction * norms.max()
    return int(np.argmax(below))  # argmax of all False is 0, not len(norms)
""",
            why="returns 0 instead of len(norms) when no step falls below the threshold (argmax of all False)",
        ),
    ],
    ("04_recurrent_networks.ipynb", "ex4_4_check"): [
        Wrong(
            setup=forget_saved("imdb_bigru"),
            source="""
EPOCHS = dlcourse.pick(full=3, quick=1)


def build_sentiment_rnn(vocab_size):
    inputs = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(vocab_size, 64, name="embedding")(inputs)  # no mask: the GRU reads the padding
    x = layers.Dropout(0.5, name="embedding_dropout")(x)
    x = layers.Bidirectional(layers.GRU(32), name="bigru")(x)
    x = layers.Dropout(0.5, name="dropout")(x)
    outputs = layers.Dense(1, activation="sigmoid", name="positive")(x)
    return keras.Model(inputs, outputs, name="sentiment_bigru")


def train_sentiment_rnn():
    model = compile_sentiment(build_sentiment_rnn(VOCAB_SIZE), EPOCHS)
    model.fit(x_train_pad, y_train, validation_data=(x_val_pad, y_val), batch_size=BATCH_SIZE, epochs=EPOCHS,
              callbacks=[early_stopping()], verbose=2)
    return model


rnn_model = checks.train_or_load("imdb_bigru.keras", train_sentiment_rnn)
""",
            why="forgets mask_zero=True: the GRU reads the padding zeros as words",
        ),
        Wrong(
            setup=forget_saved("imdb_bigru"),
            source="""
EPOCHS = dlcourse.pick(full=3, quick=1)


def build_sentiment_rnn(vocab_size):
    inputs = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(vocab_size, 64, mask_zero=True, name="embedding")(inputs)
    x = layers.Dropout(0.5, name="embedding_dropout")(x)
    x = layers.Bidirectional(layers.GRU(32), name="bigru")(x)
    x = layers.Dropout(0.5, name="dropout")(x)
    outputs = layers.Dense(1, activation="sigmoid", name="positive")(x)
    return keras.Model(inputs, outputs, name="sentiment_bigru")


def train_sentiment_rnn():
    model = compile_sentiment(build_sentiment_rnn(VOCAB_SIZE), EPOCHS)
    model.fit(x_train_pad, y_train, validation_split=0.2, batch_size=BATCH_SIZE, epochs=EPOCHS,  # not x_val_pad
              callbacks=[early_stopping()], verbose=2)
    return model


rnn_model = checks.train_or_load("imdb_bigru.keras", train_sentiment_rnn)
""",
            why="validates on a validation_split of x_train_pad: trains on only 80 % of the training reviews",
        ),
    ],
    # --- 05_attention_and_transformers.ipynb ---
    ("05_attention_and_transformers.ipynb", "ex5_1_check"): [
        Wrong(
            source="""
def scaled_dot_product_attention(q, k, v, mask=None):
    q, k, v = (np.asarray(a, dtype=float) for a in (q, k, v))
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))  # the mask is never applied
    weights = weights / weights.sum(axis=-1, keepdims=True)
    return weights @ v, weights
""",
            why="ignores the mask",
        ),
        Wrong(
            source="""
def scaled_dot_product_attention(q, k, v, mask=None):
    q, k, v = (np.asarray(a, dtype=float) for a in (q, k, v))
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, -1e9, scores)  # True taken as "masked out" (PyTorch's boolean attn_mask)
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = weights / weights.sum(axis=-1, keepdims=True)
    return weights @ v, weights
""",
            why="inverts the mask: blocks the keys where the mask is True",
        ),
        Wrong(
            source="""
def scaled_dot_product_attention(q, k, v, mask=None):
    q, k, v = (np.asarray(a, dtype=float) for a in (q, k, v))
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(v.shape[-1])  # the size of the values, not of the keys
    if mask is not None:
        scores = np.where(mask, scores, -1e9)
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = weights / weights.sum(axis=-1, keepdims=True)
    return weights @ v, weights
""",
            why="scales by sqrt(d_v) instead of sqrt(d_k)",
        ),
        Wrong(
            source="""
def scaled_dot_product_attention(q, k, v, mask=None):
    q, k, v = (np.asarray(a, dtype=float) for a in (q, k, v))
    scores = q @ k.T / np.sqrt(q.shape[-1])  # k.T reverses all axes: right only for a single sequence
    if mask is not None:
        scores = np.where(mask, scores, -1e9)
    weights = np.exp(scores - scores.max(axis=1, keepdims=True))  # axis 1: the keys only for 2-D arrays
    weights = weights / weights.sum(axis=1, keepdims=True)
    return weights @ v, weights
""",
            why="works for one (T, d) sequence only: k.T and a softmax over axis 1 fail for (batch, heads, T, d)",
        ),
    ],
    ("05_attention_and_transformers.ipynb", "ex5_2_check"): [
        Wrong(
            source="""
def positional_encoding(length, depth):
    positions = np.arange(length)[:, np.newaxis]
    pair = np.arange(depth // 2)[np.newaxis, :]
    angles = positions / 10000 ** (pair / depth)  # i / depth instead of 2i / depth
    encoding = np.zeros((length, depth))
    encoding[:, 0::2] = np.sin(angles)
    encoding[:, 1::2] = np.cos(angles)
    return encoding
""",
            why="uses the exponent i/depth instead of 2i/depth",
        ),
        Wrong(
            source="""
def positional_encoding(length, depth):
    positions = np.arange(length)[:, np.newaxis]
    pair = np.arange(depth // 2)[np.newaxis, :]
    angles = positions / 10000 ** (2 * pair / depth)
    return np.concatenate([np.sin(angles), np.cos(angles)], axis=-1)  # all sines, then all cosines
""",
            why="puts all sines first and all cosines after them instead of interleaving them",
        ),
    ],
    ("05_attention_and_transformers.ipynb", "ex5_3_check"): [
        Wrong(
            source='''
@keras.saving.register_keras_serializable(package="dlcourse_nlp")
class TransformerEncoder(layers.Layer):
    def __init__(self, embed_dim, dense_dim, num_heads, dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        self.embed_dim, self.dense_dim, self.num_heads, self.dropout = embed_dim, dense_dim, num_heads, dropout
        self.attention = layers.MultiHeadAttention(num_heads, key_dim=embed_dim // num_heads, dropout=dropout)
        self.dense_proj = keras.Sequential([layers.Dense(dense_dim, activation="relu"), layers.Dense(embed_dim)])
        self.layernorm_1 = layers.LayerNormalization()
        self.layernorm_2 = layers.LayerNormalization()
        self.dropout_1 = layers.Dropout(dropout)
        self.dropout_2 = layers.Dropout(dropout)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        attention_mask = None if mask is None else ops.expand_dims(mask, axis=1)
        attended = self.attention(inputs, inputs, attention_mask=attention_mask)
        x = self.layernorm_1(self.dropout_1(attended))  # no residual connection around the attention
        return self.layernorm_2(x + self.dropout_2(self.dense_proj(x)))

    def get_config(self):
        return {**super().get_config(), "embed_dim": self.embed_dim, "dense_dim": self.dense_dim,
                "num_heads": self.num_heads, "dropout": self.dropout}
''',
            why="leaves out the residual connection around the attention sublayer",
        ),
        Wrong(
            source='''
@keras.saving.register_keras_serializable(package="dlcourse_nlp")
class TransformerEncoder(layers.Layer):
    def __init__(self, embed_dim, dense_dim, num_heads, dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        self.embed_dim, self.dense_dim, self.num_heads, self.dropout = embed_dim, dense_dim, num_heads, dropout
        self.attention = layers.MultiHeadAttention(num_heads, key_dim=embed_dim // num_heads, dropout=dropout)
        self.dense_proj = keras.Sequential([layers.Dense(dense_dim, activation="relu"), layers.Dense(embed_dim)])
        self.layernorm_1 = layers.LayerNormalization()
        self.layernorm_2 = layers.LayerNormalization()
        self.dropout_1 = layers.Dropout(dropout)
        self.dropout_2 = layers.Dropout(dropout)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        attended = self.attention(inputs, inputs)  # the padding mask is not passed on
        x = self.layernorm_1(inputs + self.dropout_1(attended))
        return self.layernorm_2(x + self.dropout_2(self.dense_proj(x)))

    def get_config(self):
        return {**super().get_config(), "embed_dim": self.embed_dim, "dense_dim": self.dense_dim,
                "num_heads": self.num_heads, "dropout": self.dropout}
''',
            why="does not pass the padding mask to the attention",
        ),
    ],
    ("05_attention_and_transformers.ipynb", "ex5_4_check"): [
        Wrong(
            setup=forget_saved("imdb_transformer"),
            source="""
EPOCHS = dlcourse.pick(full=4, quick=1)


def build_classifier():
    inputs = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(VOCAB_SIZE, EMBED_DIM, mask_zero=True)(inputs)  # no position embeddings
    x = TransformerEncoder(EMBED_DIM, DENSE_DIM, NUM_HEADS, dropout=DROPOUT)(x)
    x = layers.GlobalAveragePooling1D()(x)
    x = layers.Dropout(HEAD_DROPOUT)(x)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    return keras.Model(inputs, outputs)


def train_classifier():
    model = build_classifier()
    model.layers[1].embeddings.assign(glove_matrix)
    compile_classifier(model, EPOCHS)
    model.fit(train_ds, validation_data=val_ds, epochs=EPOCHS, callbacks=[early_stopping()], verbose=2)
    return model


classifier = checks.train_or_load("imdb_transformer.keras", train_classifier)
""",
            why="uses a plain Embedding: the classifier has no position information",
        ),
        Wrong(
            setup=forget_saved("imdb_transformer"),
            source="""
EPOCHS = dlcourse.pick(full=4, quick=1)


def build_classifier():
    inputs = keras.Input(shape=(None,), dtype="int32")
    x = PositionalEmbedding(MAXLEN, VOCAB_SIZE, EMBED_DIM)(inputs)
    x = TransformerEncoder(EMBED_DIM, DENSE_DIM, NUM_HEADS, dropout=DROPOUT)(x)
    x = layers.GlobalAveragePooling1D()(x)
    x = layers.Dropout(HEAD_DROPOUT)(x)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    return keras.Model(inputs, outputs)


def train_classifier():
    model = build_classifier()
    model.layers[1].token_embeddings.embeddings.assign(glove_matrix)
    compile_classifier(model, EPOCHS)
    model.fit(val_ds, validation_data=train_ds, epochs=EPOCHS, callbacks=[early_stopping()], verbose=2)  # swapped
    return model


classifier = checks.train_or_load("imdb_transformer.keras", train_classifier)
""",
            why="swaps the data sets: trains on val_ds and validates on train_ds",
        ),
    ],
}
