/**
 * Function transforms ({@code torch.func} for Java): {@link dev.walnut.func.Func#grad},
 * {@code vjp}, {@code jvp}, {@code jacrev}, {@code jacfwd}, {@code hessian}, {@code hvp},
 * {@code vmap}, {@code functionalCall}. Forward mode and batching are interpreters on the
 * dispatcher (DESIGN.md §7): each primitive's forward rule and batching rule, never a branch in
 * the ops. Reverse mode runs the ops' reverse rules on a gradient tape private to the transform.
 *
 * <pre>{@code
 * Tensor perSample = Func.vmap(Func.grad(loss, 0), new int[] {Func.UNBATCHED, 0, 0}, 0).apply(w, xs, ys);
 * }</pre>
 */
package dev.walnut.func;
