import cliProgress from "cli-progress";

export interface Progress {
  update(done: number, total: number, label?: string): void;
  stop(): void;
}

/** A progress bar on stderr when it is a terminal; silent otherwise (pipes, --json, CI logs). */
export function progressBar(title: string, enabled = process.stderr.isTTY === true): Progress {
  if (!enabled) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      format: `${title} [{bar}] {percentage}% | {value}/{total} | {rate}/s | ETA {eta_formatted} | {label}`,
      stream: process.stderr,
      hideCursor: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const t0 = Date.now();
  return {
    update(done, total, label = "") {
      if (!started) {
        bar.start(total, 0, { label: "", rate: "0" });
        started = true;
      }
      bar.setTotal(total);
      const rate = done / Math.max(1e-3, (Date.now() - t0) / 1000);
      bar.update(done, { label: label.slice(-40), rate: rate.toFixed(1) });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
