/** A pull that failed; the message names the source and what to do (issue 15 §4). */
export class PullError extends Error {
  override name = 'PullError';
}
