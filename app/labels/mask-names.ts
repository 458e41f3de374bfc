/**
 * How datasets name an image's mask: the image's name, or the name with one of these suffixes
 * (a.jpg -> a_mask.png, ISIC_0000000.jpg -> ISIC_0000000_segmentation.png), in any letter case.
 */
export const MASK_SUFFIXES = [
  "_mask",
  "-mask",
  "_masks",
  "_label",
  "-label",
  "_labels",
  "_gt",
  "-gt",
  "_seg",
  "_segmentation",
  "_annotation",
] as const;

/** Whether a file stem ends with a mask suffix ("a_mask", "B_GT"). */
export function hasMaskSuffix(stem: string): boolean {
  const lower = stem.toLowerCase();
  return MASK_SUFFIXES.some((s) => lower.endsWith(s) && lower.length > s.length);
}
