"""Wrong submissions for Convolutional-Neural-Nets/ that pass the visible checks and must fail the hidden tests."""

from . import Wrong

WRONG = {
    ("01_convolution_and_pooling.ipynb", "ex1_1_check"): Wrong(
        source='''
def conv_step(patch, kernel, bias=0.0):
    total = bias
    for i in range(patch.shape[0]):  # rows and columns only: right for 2-D patches
        for j in range(patch.shape[1]):
            total += patch[i, j] * kernel[i, j]
    return float(total)
''',
        why="loops over rows and columns only, so a colour (3-D) patch is not summed over its channels",
    ),
    ("01_convolution_and_pooling.ipynb", "ex1_2_check"): Wrong(
        source='''
def conv2d(image, kernel, stride=1, padding=0):
    image = np.pad(np.asarray(image, dtype=float), padding)
    kh, kw = kernel.shape
    out_h = (image.shape[0] - kh + 1) // stride  # not the output-size formula: off by one for some strides
    out_w = (image.shape[1] - kw + 1) // stride
    out = np.zeros((out_h, out_w))
    for r in range(out_h):
        for c in range(out_w):
            out[r, c] = conv_step(image[r * stride:r * stride + kh, c * stride:c * stride + kw], kernel)
    return out
''',
        why="computes the output size as (n - k + 1) // stride, one position short for some sizes and strides",
    ),
    ("01_convolution_and_pooling.ipynb", "ex1_3_check"): Wrong(
        source='''
def sobel_edges(gray):
    gx = conv2d(gray, SOBEL_X, padding=1)
    gy = conv2d(gray, SOBEL_Y, padding=1)
    return np.clip(np.sqrt(gx**2 + gy**2), 0, 255)  # "keep it a valid pixel value"
''',
        why="clips the edge strength to the pixel range 0..255",
    ),
    ("01_convolution_and_pooling.ipynb", "ex1_4_check"): Wrong(
        source='''
def conv_output_size(n, kernel_size, padding=0, stride=1):
    return round((n + 2 * padding - kernel_size) / stride) + 1  # rounds instead of flooring
''',
        why="rounds (n + 2p - k) / s to the nearest integer instead of flooring it",
    ),
    ("01_convolution_and_pooling.ipynb", "ex1_5_check"): Wrong(
        source='''
def conv2d_params(kernel_size, in_channels, filters):
    return (kernel_size * kernel_size * in_channels + 1) * filters  # square kernels given as an int only


def dense_params(n_inputs, units):
    return (n_inputs + 1) * units
''',
        why="handles only a square kernel given as an int, not a (height, width) tuple",
    ),
    ("01_convolution_and_pooling.ipynb", "ex1_6_check"): Wrong(
        source='''
def max_pool2d(x, pool_size=2, stride=None):
    x = np.asarray(x, dtype=float)  # the stride argument is ignored: windows never overlap
    out_h, out_w = x.shape[0] // pool_size, x.shape[1] // pool_size
    out = np.empty((out_h, out_w))
    for r in range(out_h):
        for c in range(out_w):
            out[r, c] = x[r * pool_size:(r + 1) * pool_size, c * pool_size:(c + 1) * pool_size].max()
    return out
''',
        why="ignores the stride argument (always steps by pool_size)",
    ),
}
