/**
 * Is "22 -> 41" a change or run-to-run noise? Two counts of independent
 * events over spans tb and ta are Poisson; given their sum n, the after count
 * is Binomial(n, p) with p = ta*ra / (ta*ra + tb*rb). The exact
 * (Clopper-Pearson) 95% interval for p gives one for the rate ratio ra/rb; the
 * change is significant when that interval excludes 1.
 */
export interface RateChange {
  /** 95% interval of after-rate / before-rate; null when both counts are 0. */
  low: number | null;
  high: number | null;
  verdict: 'fewer' | 'more' | 'within noise' | 'none';
}

export function rateChange(before: number, tb: number, after: number, ta: number): RateChange {
  const n = before + after;
  if (!n || !(tb > 0) || !(ta > 0)) return { low: null, high: null, verdict: 'none' };
  const pl = after === 0 ? 0 : betaBound(after, n, 0.025, true);
  const ph = after === n ? 1 : betaBound(after, n, 0.025, false);
  const ratio = (p: number) => (p >= 1 ? Infinity : (p / (1 - p)) * (tb / ta));
  const low = ratio(pl);
  const high = ratio(ph);
  return { low, high, verdict: high < 1 ? 'fewer' : low > 1 ? 'more' : 'within noise' };
}

/**
 * Clopper-Pearson bound for k successes in n: the lower bound is the p with
 * P(X >= k) = alpha, the upper the p with P(X <= k) = alpha. Bisection on the
 * binomial tail; a normal approximation past 5000 trials.
 */
function betaBound(k: number, n: number, alpha: number, lower: boolean): number {
  if (n > 5000) {
    // Wilson score interval: within 1e-3 of exact at this size
    const z = 1.959963984540054;
    const p = k / n;
    const d = 1 + (z * z) / n;
    const c = p + (z * z) / (2 * n);
    const h = z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
    return Math.min(1, Math.max(0, (lower ? c - h : c + h) / d));
  }
  let lo = 0;
  let hi = 1;
  for (let it = 0; it < 60; it++) {
    const mid = (lo + hi) / 2;
    if (lower) {
      // P(X >= k | mid) grows with mid
      if (1 - binomCdf(k - 1, n, mid) < alpha) lo = mid;
      else hi = mid;
    } else if (binomCdf(k, n, mid) > alpha) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** P(X <= k) for X ~ Binomial(n, p), summed in logs. */
function binomCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  if (p <= 0) return 1;
  if (p >= 1) return 0;
  const lp = Math.log(p);
  const lq = Math.log1p(-p);
  let logC = 0;
  let sum = 0;
  for (let i = 0; i <= k; i++) {
    if (i > 0) logC += Math.log((n - i + 1) / i);
    sum += Math.exp(logC + i * lp + (n - i) * lq);
  }
  return Math.min(1, sum);
}
