//! A 2-D convolution on channels-last maps: each chunk of images becomes
//! a patch matrix ([`Window::gather`]) multiplied by the weight, `[filters,
//! kernel x kernel x channels]` row-major, on `aelab_kernels::matmul`.

use aelab_kernels::{matmul, vectorised, ProductInto, View, ViewMut};

use crate::layers::patch_matrix::PatchLayout;
use crate::layers::Window;

/// Filters up to which a convolution runs directly (dot products over the
/// window's contiguous rows) rather than through a patch matrix: with so
/// few outputs per window, writing the patches costs more than the product.
const DIRECT_FILTERS: usize = 2;

/// `out` (`rows x positions x filters`) from `input` (`rows` images of
/// `window.in_len()`); no bias.
pub fn conv_forward(
    window: &Window,
    weight: &[f32],
    input: &[f32],
    out: &mut [f32],
    patches: &mut Vec<f32>,
) {
    let (p, positions) = (window.patch_len(), window.positions());
    let filters = weight.len() / p;
    if filters <= DIRECT_FILTERS {
        return direct_forward(window, weight, input, out);
    }
    let layout = PatchLayout::of(window);
    let chunk = window.images_per_chunk();
    for (images, outs) in input
        .chunks(chunk * window.in_len())
        .zip(out.chunks_mut(chunk * positions * filters))
    {
        let m = layout.gather(window, images, patches);
        matmul(
            ViewMut::rows(outs, m, filters),
            layout.view(window, patches, m),
            View::rows(weight, filters, p).t(),
            ProductInto::Overwrite,
        );
    }
}

/// The weight's gradient (overwritten) and, when asked, the input's
/// (overwritten), from the gradient of the output.
pub fn conv_backward(
    window: &Window,
    weight: &[f32],
    input: &[f32],
    grad_out: &[f32],
    grad_weight: &mut [f32],
    mut grad_input: Option<&mut [f32]>,
    patches: &mut Vec<f32>,
) {
    let (p, positions) = (window.patch_len(), window.positions());
    let filters = weight.len() / p;
    if filters <= DIRECT_FILTERS {
        return direct_backward(window, weight, input, grad_out, grad_weight, grad_input);
    }
    let layout = PatchLayout::of(window);
    let chunk = window.images_per_chunk();
    let in_step = chunk * window.in_len();
    for (c, (images, grads)) in input
        .chunks(in_step)
        .zip(grad_out.chunks(chunk * positions * filters))
        .enumerate()
    {
        let m = layout.gather(window, images, patches);
        let grads = View::rows(grads, m, filters);
        add_weight_gradient(grad_weight, grads, layout.view(window, patches, m), c == 0);
        if let Some(grad_input) = grad_input.as_deref_mut() {
            layout.product_into(window, patches, m, grads, View::rows(weight, filters, p));
            let start = c * in_step;
            let dst = &mut grad_input[start..start + images.len()];
            dst.fill(0.0);
            layout.scatter_add(window, patches, m, dst);
        }
    }
}

/// `grad_weight (+)= a^T patches`, overwritten for the first chunk: the
/// weight gradient of a conv (`a` the output's gradient, `m x filters`)
/// and of a transposed conv (`a` its input, `m x in_channels`), from a
/// chunk's `m x patch_len` patch matrix.
pub(crate) fn add_weight_gradient(
    grad_weight: &mut [f32],
    a: View<'_, f32>,
    patches: View<'_, f32>,
    first: bool,
) {
    let into = if first {
        ProductInto::Overwrite
    } else {
        ProductInto::AddScaled(1.0)
    };
    let (width, p) = (a.shape().1, patches.shape().1);
    matmul(ViewMut::rows(grad_weight, width, p), a.t(), patches, into);
}

/// One kernel row of one window that falls inside the image: the output
/// position, where the row starts in a patch (and so in each filter's
/// weights), where it starts in the image, and its length.
#[derive(Debug, Clone, Copy)]
struct Span {
    position: usize,
    weight_at: usize,
    image_at: usize,
    len: usize,
}

/// Every [`Span`] of `window`, in output order (the same for every image,
/// so worked out once per call; a closure would lose the vector code, as
/// closures do not inherit a function's target features).
fn spans(window: &Window) -> Vec<Span> {
    let c = window.channels;
    let mut spans = Vec::with_capacity(window.positions() * window.kernel);
    for oy in 0..window.out_height {
        for ox in 0..window.out_width {
            let (lo, hi, first) = window.columns(ox);
            for ky in 0..window.kernel {
                if let Some(iy) = window.input_row(oy, ky) {
                    spans.push(Span {
                        position: oy * window.out_width + ox,
                        weight_at: (ky * window.kernel + lo) * c,
                        image_at: (iy * window.in_width + first) * c,
                        len: (hi - lo) * c,
                    });
                }
            }
        }
    }
    spans
}

fn direct_forward(window: &Window, weight: &[f32], input: &[f32], out: &mut [f32]) {
    direct_forward_spans(
        &spans(window),
        window.in_len(),
        window.positions(),
        weight,
        input,
        out,
    );
}

fn direct_backward(
    window: &Window,
    weight: &[f32],
    input: &[f32],
    grad_out: &[f32],
    grad_weight: &mut [f32],
    grad_input: Option<&mut [f32]>,
) {
    let spans = spans(window);
    let (in_len, positions) = (window.in_len(), window.positions());
    direct_backward_spans(
        &spans,
        in_len,
        positions,
        weight,
        input,
        grad_out,
        grad_weight,
        grad_input,
    );
}

vectorised! {
    fn direct_forward_spans(spans: &[Span], in_len: usize, positions: usize, weight: &[f32], input: &[f32], out: &mut [f32]) {
        let filters = out.len() / (input.len() / in_len).max(1) / positions;
        let p = weight.len() / filters;
        for (image, outs) in input.chunks_exact(in_len).zip(out.chunks_exact_mut(positions * filters)) {
            outs.fill(0.0);
            for s in spans {
                let values = &image[s.image_at..s.image_at + s.len];
                for f in 0..filters {
                    let w = &weight[f * p + s.weight_at..f * p + s.weight_at + s.len];
                    outs[s.position * filters + f] += dot(values, w);
                }
            }
        }
    }
}

vectorised! {
    #[allow(clippy::too_many_arguments)]
    fn direct_backward_spans(
        spans: &[Span],
        in_len: usize,
        positions: usize,
        weight: &[f32],
        input: &[f32],
        grad_out: &[f32],
        grad_weight: &mut [f32],
        grad_input: Option<&mut [f32]>,
    ) {
        let mut grad_input = grad_input;
        let filters = grad_out.len() / (input.len() / in_len).max(1) / positions;
        let p = weight.len() / filters;
        grad_weight.fill(0.0);
        if let Some(g) = grad_input.as_deref_mut() {
            g.fill(0.0);
        }
        for (n, (image, grads)) in input
            .chunks_exact(in_len)
            .zip(grad_out.chunks_exact(positions * filters))
            .enumerate()
        {
            for s in spans {
                for f in 0..filters {
                    let g = grads[s.position * filters + f];
                    let w_at = f * p + s.weight_at;
                    axpy(&mut grad_weight[w_at..w_at + s.len], &image[s.image_at..s.image_at + s.len], g);
                    if let Some(grad_input) = grad_input.as_deref_mut() {
                        let at = n * in_len + s.image_at;
                        axpy(&mut grad_input[at..at + s.len], &weight[w_at..w_at + s.len], g);
                    }
                }
            }
        }
    }
}

/// `sum a b` in eight lanes (a fixed order, whatever the vector width).
#[inline(always)]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    let mut pairs_a = a.chunks_exact(8);
    let mut pairs_b = b.chunks_exact(8);
    for (x, y) in (&mut pairs_a).zip(&mut pairs_b) {
        for l in 0..8 {
            lanes[l] += x[l] * y[l];
        }
    }
    let tail: f32 = pairs_a
        .remainder()
        .iter()
        .zip(pairs_b.remainder())
        .map(|(x, y)| x * y)
        .sum();
    lanes.iter().sum::<f32>() + tail
}

/// `y += alpha x`.
#[inline(always)]
fn axpy(y: &mut [f32], x: &[f32], alpha: f32) {
    for (y, &x) in y.iter_mut().zip(x) {
        *y += alpha * x;
    }
}
