/** Two classes for a test project: road and car. */
export const CLASSES = [
  { idx: 0, name: "road", color: "#804080" },
  { idx: 1, name: "car", color: "#400080" },
];
