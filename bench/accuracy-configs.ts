/**
 * The configurations bench:accuracy can run (`--configs`): each a method, a working scale and a
 * network on top of the app's defaults. The first listed in a run is the reference for p-values.
 */
import type { PartialMethod } from "../app/ml/method/method.ts";
import type { NetworkConfig } from "../app/ml/model/network.ts";

export interface Config {
  label: string;
  method?: PartialMethod;
  /** "auto" (the app's), "size" (by image size alone, the rule before 2026-12-04) or a factor */
  scale?: "auto" | "size" | number;
  network?: Partial<Omit<NetworkConfig, "numClasses">>;
}

// Every method configuration says which terms it uses, so the table does not depend on the defaults.
const ON = { enabled: true };
const OFF = { enabled: false };
export const CONFIGS: Record<string, Config> = {
  default: { label: "the app's defaults" },
  "size-scale": { label: "defaults, working scale by image size only", scale: "size" },
  native: { label: "defaults at native resolution (--scale 1)", scale: 1 },
  context: { label: "defaults + global-context branch", network: { context: true } },
  residual: { label: "defaults + residual shortcuts", network: { residual: true } },
  wide: {
    label: "defaults, 1.5x wider (24/48/96/192: 2.25x the FLOPs)",
    network: { widths: [24, 48, 96, 192] },
  },
  "full-res": { label: "defaults + full-resolution head", network: { fullResolution: true } },
  "context-full-res": {
    label: "defaults + global context + full-resolution head",
    network: { context: true, fullResolution: true },
  },
  ce: { label: "partial CE alone", method: { semiSupervised: OFF, pixl: OFF, crf: OFF, propagation: OFF } },
  ssl: { label: "+ FixMatch", method: { semiSupervised: ON, pixl: OFF, crf: OFF, propagation: OFF } },
  pixl: { label: "+ FixMatch + PiXL", method: { semiSupervised: ON, pixl: ON, crf: OFF, propagation: OFF } },
  all: {
    label: "FixMatch + PiXL + propagation",
    method: { semiSupervised: ON, pixl: ON, crf: OFF, propagation: ON },
  },
  "ce-prop": {
    label: "partial CE + propagation",
    method: { semiSupervised: OFF, pixl: OFF, crf: OFF, propagation: ON },
  },
  "no-weights": { label: "defaults without class weights", method: { classWeighting: "none" } },
  "forest-labels": {
    label: "defaults + labels from the classical forest (p >= 0.8)",
    method: { forestLabels: { enabled: true } },
  },
  ema: { label: "defaults + weight average (EMA, decay 0.99)", method: { ema: ON } },
  semi: {
    label: "defaults + semi-supervision (mean teacher, split views, class-aware, late start)",
    method: { semiSupervised: ON },
  },
  "default-pixl": {
    label: "defaults + PiXL alignment (local and global prototypes from labels)",
    method: { pixl: ON },
  },
  "pixl-levels2": {
    label: "defaults + PiXL on a projection head over two decoder levels",
    method: { pixl: ON },
    network: { embeddingLevels: 2 },
  },
  "semi-pixl-levels2": {
    label: "defaults + semi-supervision + PiXL on two decoder levels",
    method: { semiSupervised: ON, pixl: ON },
    network: { embeddingLevels: 2 },
  },
  "semi-pixl": {
    label: "defaults + semi-supervision + PiXL alignment",
    method: { semiSupervised: ON, pixl: ON },
  },
  "self-training": {
    label: "defaults + self-training rounds (superpixels the model is sure of, at half the budget)",
    method: { selfTraining: ON },
  },
  "semi-self": {
    label: "defaults + semi-supervision + self-training rounds by the mean teacher",
    method: { semiSupervised: ON, selfTraining: ON },
  },
  "semi-old": {
    label:
      "defaults + semi-supervision as before 2026-12-05 (student teacher, strong views, tau 0.9, step 0)",
    method: {
      semiSupervised: {
        enabled: true,
        teacher: "student",
        views: "strong",
        adaptive: false,
        classWeighted: false,
        start: "step0",
      },
    },
  },
  "forest-ema": {
    label: "defaults + forest labels + weight average (EMA, decay 0.99)",
    method: { forestLabels: ON, ema: ON },
  },
  "forest-gate": {
    label: "defaults + forest labels + propagation color gate (Delta E 5)",
    method: { forestLabels: ON, propagation: { colorGate: 5 } },
  },
  "forest-context": {
    label: "defaults + forest labels + global-context branch",
    method: { forestLabels: ON },
    network: { context: true },
  },
};
