/** Assembles the SIMD kernels' WebAssembly text with wabt (a devDependency: build and tests only). */
import wabtInit from "wabt";
import { convGradientsWat } from "../app/ml/engine/kernels/simd/conv-gradients-wat.ts";

export async function assembleConvGradients(): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const module = wabt.parseWat("conv-gradients.wat", convGradientsWat(), { simd: true });
  try {
    module.validate();
    return new Uint8Array(module.toBinary({}).buffer);
  } finally {
    module.destroy();
  }
}
