/** Assembles the SIMD kernels' WebAssembly text with wabt (a devDependency: build and tests only). */
import wabtInit from "wabt";
import { simdKernelsWat } from "../app/ml/engine/kernels/simd/simd-kernels-wat.ts";

export async function assembleSimdKernels(): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const module = wabt.parseWat("simd-kernels.wat", simdKernelsWat(), { simd: true });
  try {
    module.validate();
    return new Uint8Array(module.toBinary({}).buffer);
  } finally {
    module.destroy();
  }
}
