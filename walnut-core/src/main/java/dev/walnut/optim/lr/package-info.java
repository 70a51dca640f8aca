/**
 * Learning-rate schedules, after {@code torch.optim.lr_scheduler}: each sets the learning rate
 * of an optimizer when {@code step()} is called, once per epoch or per batch as the schedule expects.
 *
 * <pre>{@code
 * StepLR schedule = new StepLR(opt, 30, 0.1);
 * }</pre>
 */
package dev.walnut.optim.lr;
