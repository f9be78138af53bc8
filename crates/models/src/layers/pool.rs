//! Max pooling on channels-last maps. Windows that overhang the input
//! (Keras' 'same' pooling) take the maximum of the positions inside it.
//! The forward pass records where each maximum came from, so the backward
//! pass routes each gradient to that one input.

use crate::layers::Window;

/// `out` (`rows x positions x channels`) from `input`; `argmax` gets, for
/// each output, the index of its maximum in `input`.
pub fn maxpool_forward(window: &Window, input: &[f32], out: &mut [f32], argmax: &mut Vec<u32>) {
    let c = window.channels;
    argmax.resize(out.len(), 0);
    let out_len = window.positions() * c;
    for (n, (outs, picks)) in out
        .chunks_exact_mut(out_len)
        .zip(argmax.chunks_exact_mut(out_len))
        .enumerate()
    {
        let base = n * window.in_len();
        let image = &input[base..base + window.in_len()];
        for oy in 0..window.out_height {
            for ox in 0..window.out_width {
                let at = (oy * window.out_width + ox) * c;
                let (best, best_at) = (&mut outs[at..at + c], &mut picks[at..at + c]);
                best.fill(f32::NEG_INFINITY);
                best_at.fill(u32::MAX);
                for ky in 0..window.kernel {
                    let Some(iy) = (oy * window.stride + ky)
                        .checked_sub(window.pad_top)
                        .filter(|&y| y < window.in_height)
                    else {
                        continue;
                    };
                    for kx in 0..window.kernel {
                        let Some(ix) = (ox * window.stride + kx)
                            .checked_sub(window.pad_left)
                            .filter(|&x| x < window.in_width)
                        else {
                            continue;
                        };
                        let from = (iy * window.in_width + ix) * c;
                        for ch in 0..c {
                            let v = image[from + ch];
                            // the first maximum wins, as in PyTorch
                            if v > best[ch] || best_at[ch] == u32::MAX {
                                best[ch] = v;
                                best_at[ch] = (base + from + ch) as u32;
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The input's gradient (overwritten) from the output's.
pub fn maxpool_backward(argmax: &[u32], grad_out: &[f32], grad_input: &mut [f32]) {
    grad_input.fill(0.0);
    for (&at, &g) in argmax.iter().zip(grad_out) {
        grad_input[at as usize] += g;
    }
}
