/**
 * Which pixels an export writes: `labels` (everything labeled: drawn + accepted), `human` (drawn
 * only), `accepted` (accepted predictions only), `predictions` (the latest model's class map),
 * `completed` (labels where there are labels, the latest prediction elsewhere). No imports: the
 * API schema and the UI read this list too.
 */
export const MASK_SOURCES = ["labels", "human", "accepted", "predictions", "completed"] as const;
export type MaskSource = (typeof MASK_SOURCES)[number];
