//! A compressed-sparse-row matrix of `f32` values with `u32` column indices: the TF-IDF rows.
//! It owns storage and the products the optimizer needs (X·w, and Xᵀ·r through the transpose); both are computed
//! row by row (Xᵀ·r as X·w of the transpose), so results do not depend on thread count.

use rayon::prelude::*;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Csr {
    pub n_cols: usize,
    /// Row i's entries are `indptr[i]..indptr[i + 1]`.
    pub indptr: Vec<usize>,
    pub indices: Vec<u32>,
    pub data: Vec<f32>,
}

/// Rows per block in the parallel products; fixed so that sums are reproducible.
const BLOCK_ROWS: usize = 4096;

impl Csr {
    pub fn new(n_cols: usize) -> Csr {
        Csr {
            n_cols,
            indptr: vec![0],
            indices: Vec::new(),
            data: Vec::new(),
        }
    }

    pub fn n_rows(&self) -> usize {
        self.indptr.len() - 1
    }

    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// Appends a row; `indices` must be increasing and below `n_cols`.
    pub fn push_row(&mut self, indices: &[u32], data: &[f32]) {
        debug_assert_eq!(indices.len(), data.len());
        debug_assert!(indices.windows(2).all(|w| w[0] < w[1]));
        debug_assert!(indices.iter().all(|&c| (c as usize) < self.n_cols));
        self.indices.extend_from_slice(indices);
        self.data.extend_from_slice(data);
        self.indptr.push(self.indices.len());
    }

    /// The rows `rows`, in that order, as a matrix of their own.
    pub fn select_rows(&self, rows: &[usize]) -> Csr {
        let nnz = rows
            .iter()
            .map(|&i| self.indptr[i + 1] - self.indptr[i])
            .sum();
        let mut out = Csr {
            n_cols: self.n_cols,
            indptr: Vec::with_capacity(rows.len() + 1),
            indices: Vec::with_capacity(nnz),
            data: Vec::with_capacity(nnz),
        };
        out.indptr.push(0);
        for &i in rows {
            let (idx, val) = self.row(i);
            out.push_row(idx, val);
        }
        out
    }

    pub fn row(&self, i: usize) -> (&[u32], &[f32]) {
        let (a, b) = (self.indptr[i], self.indptr[i + 1]);
        (&self.indices[a..b], &self.data[a..b])
    }

    /// Row-wise dot product with `w` (length `n_cols`).
    pub fn row_dot(&self, i: usize, w: &[f64]) -> f64 {
        let (idx, val) = self.row(i);
        dot(idx, val, w)
    }

    /// `out[i] = x_i · w + b` for every row, in parallel.
    pub fn matvec(&self, w: &[f64], b: f64, out: &mut [f64]) {
        out.par_chunks_mut(BLOCK_ROWS)
            .enumerate()
            .for_each(|(blk, chunk)| {
                let start = blk * BLOCK_ROWS;
                for (k, o) in chunk.iter_mut().enumerate() {
                    *o = self.row_dot(start + k, w) + b;
                }
            });
    }

    /// The transpose (CSC of this matrix, as a CSR of the columns), by a counting sort.
    pub fn transpose(&self) -> Csr {
        let mut counts = vec![0usize; self.n_cols + 1];
        for &c in &self.indices {
            counts[c as usize + 1] += 1;
        }
        for j in 0..self.n_cols {
            counts[j + 1] += counts[j];
        }
        let indptr = counts.clone();
        let mut next = counts;
        let mut indices = vec![0u32; self.nnz()];
        let mut data = vec![0f32; self.nnz()];
        for i in 0..self.n_rows() {
            let (idx, val) = self.row(i);
            for (&c, &v) in idx.iter().zip(val) {
                let at = next[c as usize];
                indices[at] = i as u32;
                data[at] = v;
                next[c as usize] += 1;
            }
        }
        Csr {
            n_cols: self.n_rows(),
            indptr,
            indices,
            data,
        }
    }

    /// Appends the rows of `part` (same number of columns).
    pub fn append(&mut self, part: &Csr) {
        debug_assert_eq!(part.n_cols, self.n_cols);
        let base = self.indices.len();
        self.indptr
            .extend(part.indptr[1..].iter().map(|p| p + base));
        self.indices.extend_from_slice(&part.indices);
        self.data.extend_from_slice(&part.data);
    }

    /// From a dense matrix (zeros dropped); values are rounded to `f32`.
    pub fn from_dense(x: ndarray::ArrayView2<f64>) -> Csr {
        let mut out = Csr::new(x.ncols());
        let mut idx = Vec::new();
        let mut val = Vec::new();
        for row in x.rows() {
            idx.clear();
            val.clear();
            for (j, &v) in row.iter().enumerate() {
                if v != 0.0 {
                    idx.push(j as u32);
                    val.push(v as f32);
                }
            }
            out.push_row(&idx, &val);
        }
        out
    }

    /// Appends `k` columns after the existing ones, row `i` taking the non-zero values of
    /// `values(i)` (length `k`). In place: rows move back to front, so no second copy of the
    /// matrix is made.
    pub fn append_columns<'v>(&mut self, k: usize, values: impl Fn(usize) -> &'v [f32]) {
        let n = self.n_rows();
        let base = self.n_cols as u32;
        let extra: Vec<usize> = (0..n)
            .map(|i| values(i).iter().filter(|v| **v != 0.0).count())
            .collect();
        let added: usize = extra.iter().sum();
        let old_nnz = self.nnz();
        self.indices.resize(old_nnz + added, 0);
        self.data.resize(old_nnz + added, 0.0);
        let mut shift = added;
        for i in (0..n).rev() {
            let (a, b) = (self.indptr[i], self.indptr[i + 1]);
            shift -= extra[i];
            let (na, nb) = (a + shift, b + shift);
            self.indices.copy_within(a..b, na);
            self.data.copy_within(a..b, na);
            let mut at = nb;
            for (j, &v) in values(i).iter().enumerate() {
                if v != 0.0 {
                    self.indices[at] = base + j as u32;
                    self.data[at] = v;
                    at += 1;
                }
            }
            self.indptr[i + 1] = nb + extra[i];
        }
        self.n_cols += k;
    }
}

/// Dot product of a sparse row (`idx`, `val`) with a dense vector.
pub fn dot(idx: &[u32], val: &[f32], w: &[f64]) -> f64 {
    idx.iter()
        .zip(val)
        .map(|(&c, &v)| v as f64 * w[c as usize])
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn products_match_dense() {
        let d = array![[1.0, 0.0, 2.0], [0.0, 0.0, 0.0], [0.5, -1.0, 0.0]];
        let x = Csr::from_dense(d.view());
        assert_eq!(x.n_rows(), 3);
        assert_eq!(x.nnz(), 4);
        let w = [1.0, 2.0, 3.0];
        let mut z = vec![0.0; 3];
        x.matvec(&w, 0.5, &mut z);
        assert_eq!(z, vec![7.5, 0.5, -1.0]);
        let g = vec![2.0, -2.0, 2.0]; // Xᵀ·[1, 5, 2] by hand
        let t = x.transpose();
        assert_eq!(t.n_rows(), 3);
        assert_eq!(t.row(0), (&[0u32, 2][..], &[1.0f32, 0.5][..]));
        let mut tz = vec![0.0; 3];
        t.matvec(&[1.0, 5.0, 2.0], 0.0, &mut tz);
        assert_eq!(tz, g, "Xᵀr through the transpose");
        assert_eq!(t.transpose(), x);
    }
}
