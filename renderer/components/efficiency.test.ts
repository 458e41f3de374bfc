import { describe, expect, it } from "vitest";
import type { TrainingRound } from "../../app/common/api-types.ts";
import { efficiencyData, efficiencyPoints } from "./efficiency.ts";

const round = (id: number, drawn: number, accepted: number, miou: number | null): TrainingRound => ({
  id,
  startedAt: "",
  finishedAt: "",
  status: "done",
  modelId: id,
  valMiou: miou,
  classIou: null,
  steps: 10,
  labels: { drawn, accepted, labelingSeconds: 0, scope: "train", byPerson: null },
  fineTuned: false,
});

describe("label efficiency", () => {
  it("plots val mIoU against hand-drawn pixels and against drawn + accepted, oldest round first", () => {
    const points = efficiencyPoints([round(2, 200, 500, 0.5), round(1, 100, 0, 0.3), round(3, 300, 0, null)]);
    expect(points).toEqual([
      { round: 1, drawn: 100, total: 100, miou: 0.3 },
      { round: 2, drawn: 200, total: 700, miou: 0.5 },
    ]);
    expect(efficiencyData(points)).toEqual([
      [100, 200, 700],
      [0.3, 0.5, null],
      [0.3, null, 0.5],
    ]);
  });
});
