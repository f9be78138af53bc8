//! Nearest-neighbour upsampling of channels-last maps by an integer
//! factor, and its adjoint (each input's gradient is the sum over the
//! block it was copied to).

/// `out` (`rows x (h f) x (w f) x c`) from `input` (`rows x h x w x c`).
pub fn upsample_forward(
    height: usize,
    width: usize,
    channels: usize,
    factor: usize,
    input: &[f32],
    out: &mut [f32],
) {
    let (c, f) = (channels, factor);
    let out_row = width * f * c;
    for (image, outs) in input
        .chunks_exact(height * width * c)
        .zip(out.chunks_exact_mut(height * f * out_row))
    {
        for y in 0..height {
            let line = &mut outs[y * f * out_row..(y * f + 1) * out_row];
            for x in 0..width {
                let src = &image[(y * width + x) * c..(y * width + x + 1) * c];
                for dx in 0..f {
                    line[(x * f + dx) * c..(x * f + dx + 1) * c].copy_from_slice(src);
                }
            }
            let (first, rest) = outs[y * f * out_row..(y + 1) * f * out_row].split_at_mut(out_row);
            for copy in rest.chunks_exact_mut(out_row) {
                copy.copy_from_slice(first);
            }
        }
    }
}

/// The input's gradient (overwritten) from the output's.
pub fn upsample_backward(
    height: usize,
    width: usize,
    channels: usize,
    factor: usize,
    grad_out: &[f32],
    grad_input: &mut [f32],
) {
    let (c, f) = (channels, factor);
    let out_row = width * f * c;
    grad_input.fill(0.0);
    for (grads, image) in grad_out
        .chunks_exact(height * f * out_row)
        .zip(grad_input.chunks_exact_mut(height * width * c))
    {
        for y in 0..height {
            for dy in 0..f {
                let line = &grads[(y * f + dy) * out_row..(y * f + dy + 1) * out_row];
                for x in 0..width {
                    let dst = &mut image[(y * width + x) * c..(y * width + x + 1) * c];
                    for dx in 0..f {
                        for (d, g) in dst
                            .iter_mut()
                            .zip(&line[(x * f + dx) * c..(x * f + dx + 1) * c])
                        {
                            *d += g;
                        }
                    }
                }
            }
        }
    }
}
