/**
 * The WebAssembly text of our SIMD convolution-gradient kernels (NHWC, float32, dilation 1).
 * `npm run build:simd` assembles it (wabt) into simd-kernels-binary.ts; a test checks that the
 * committed binary is this text assembled. The text is generated, not typed out, only where it
 * repeats: the register block of a kernel's inner loop is unrolled here.
 *
 * Both kernels walk dy row by row. For a dy row (n, oh) and a kernel tap (kh, kw), the input row is
 * ih = oh*sh + kh - pt and the dy columns whose input column iw = ow*sw + kw - pl falls inside the
 * image are one range [ow0, ow1): padding is never read or written.
 *
 * - filterGrad8(x, dy, dw, ...): dw[kh,kw,ci,co] = sum over n, oh, ow of x[n,ih,iw,ci] * dy[n,oh,ow,co].
 *   Register block: 4 input channels x 8 output channels (8 f32x4 accumulators), loaded from dw,
 *   updated along the dy row (per pixel: 2 vector loads of dy, 4 splat loads of x, 8 mul + 8 add),
 *   stored back. Needs Ci % 4 == 0 and Co % 8 == 0; filterGrad4, 4 output channels per block,
 *   needs Co % 4 == 0.
 * - inputGrad8(dy, wt, dx, ...): dx[n,ih,iw,ci] = sum over taps and co of dy[n,oh,ow,co] * w[kh,kw,ci,co],
 *   with wt = w as [KH,KW,Co,Ci]. Register block: 4 dy pixels of a row x 8 input channels, summed
 *   over co (per co: 2 vector loads of wt, 4 splat loads of dy), then one pixel at a time for the
 *   rest of the row. Distinct ow of one tap reach distinct iw, so a block never aliases itself.
 *   Needs Ci % 8 == 0; inputGrad4, 4 input channels per block, needs Ci % 4 == 0.
 *
 * Both zero their output first. Pointers and sizes are i32 (bytes / elements) in the memory they
 * import: the tfjs wasm backend's, so tensors are read and written where they live.
 */

const GEOMETRY_PARAMS =
  "(param $N i32) (param $H i32) (param $W i32) (param $Ci i32) (param $OH i32) (param $OW i32) (param $Co i32)" +
  " (param $KH i32) (param $KW i32) (param $sh i32) (param $sw i32) (param $pt i32) (param $pl i32)";

const LOOP_LOCALS =
  "(local $n i32) (local $oh i32) (local $kh i32) (local $kw i32) (local $ih i32) (local $ow0 i32) (local $ow1 i32) (local $t i32)";

const get = (name: string) => `(local.get $${name})`;
const set = (name: string, value: string) => `(local.set $${name} ${value})`;
const add = (a: string, b: string) => `(i32.add ${a} ${b})`;
const mul = (a: string, b: string) => `(i32.mul ${a} ${b})`;
const bytes = (elements: string) => `(i32.shl ${elements} (i32.const 2))`;
const int = (v: number) => `(i32.const ${v})`;

const vectorLocals = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, v) => `(local $${prefix}${v} v128)`).join(" ");

/** `for (name = 0; name < limit; name += step) body` */
function forLoop(name: string, limit: string, body: string, step = 1): string {
  return `${set(name, int(0))}
(block $${name}_end (loop $${name}_loop
 (br_if $${name}_end (i32.ge_s ${get(name)} ${limit}))
 ${body}
 ${set(name, add(get(name), int(step)))}
 (br $${name}_loop)))`;
}

/**
 * The loops both kernels share: dy rows, kernel taps, the valid range [ow0, ow1) of each tap.
 * `rowSetup` runs per dy row, `inputRowSetup` per valid input row, `body` per tap with ow0 < ow1.
 */
function tapLoops(rowSetup: string, inputRowSetup: string, body: string): string {
  // ow0 = max(0, ceil((pl - kw) / sw)); ow1 = min(OW, floor((W - 1 + pl - kw) / sw) + 1)
  const range = `${set("t", `(i32.sub ${get("pl")} ${get("kw")})`)}
${set("ow0", `(select (i32.div_s ${add(get("t"), `(i32.sub ${get("sw")} ${int(1)})`)} ${get("sw")}) ${int(0)} (i32.gt_s ${get("t")} ${int(0)}))`)}
${set("t", add(`(i32.sub ${get("W")} ${int(1)})`, get("t")))}
${set("ow1", `(select ${add(`(i32.div_s ${get("t")} ${get("sw")})`, int(1))} ${int(0)} (i32.ge_s ${get("t")} ${int(0)}))`)}
(if (i32.gt_s ${get("ow1")} ${get("OW")}) (then ${set("ow1", get("OW"))}))`;
  const tap = `${range}
(if (i32.lt_s ${get("ow0")} ${get("ow1")}) (then
 ${body}))`;
  const kernelRow = `${set("ih", `(i32.sub ${add(mul(get("oh"), get("sh")), get("kh"))} ${get("pt")})`)}
(if (i32.and (i32.ge_s ${get("ih")} ${int(0)}) (i32.lt_s ${get("ih")} ${get("H")})) (then
 ${inputRowSetup}
 ${forLoop("kw", get("KW"), tap)}))`;
  return forLoop(
    "n",
    get("N"),
    forLoop("oh", get("OH"), `${rowSetup}\n${forLoop("kh", get("KH"), kernelRow)}`),
  );
}

/** `filterGrad${4 * V}`: blocks of 4 input channels x V f32x4 vectors of output channels. */
function filterGradFunction(V: number): string {
  const R = 4; // input channels per block
  const accs: string[] = [];
  for (let r = 0; r < R; r++) for (let v = 0; v < V; v++) accs.push(`a${r}${v}`);
  const accAddress = (r: number) => add(get("ap"), mul(get("rowBytes"), int(r)));
  const loadAccs = accs
    .map((a, i) => set(a, `(v128.load offset=${(i % V) * 16} ${accAddress(Math.floor(i / V))})`))
    .join("\n");
  const storeAccs = accs
    .map((a, i) => `(v128.store offset=${(i % V) * 16} ${accAddress(Math.floor(i / V))} ${get(a)})`)
    .join("\n");
  let pixel = "";
  for (let v = 0; v < V; v++) pixel += `${set(`d${v}`, `(v128.load offset=${v * 16} ${get("dp")})`)}\n`;
  for (let r = 0; r < R; r++) {
    pixel += `${set("xs", `(v128.load32_splat offset=${r * 4} ${get("xp")})`)}\n`;
    for (let v = 0; v < V; v++)
      pixel += `${set(`a${r}${v}`, `(f32x4.add (f32x4.mul ${get("xs")} ${get(`d${v}`)}) ${get(`a${r}${v}`)})`)}\n`;
  }
  const block = `${set("ap", add(get("dw"), bytes(add(mul(add(mul(add(mul(get("kh"), get("KW")), get("kw")), get("Ci")), get("ci")), get("Co")), get("co")))))}
${loadAccs}
${set("xp", add(get("xrow"), bytes(add(mul(`(i32.sub ${add(mul(get("ow0"), get("sw")), get("kw"))} ${get("pl")})`, get("Ci")), get("ci")))))}
${set("dp", add(get("drow"), bytes(add(mul(get("ow0"), get("Co")), get("co")))))}
${set("ow", `(i32.sub ${get("ow1")} ${get("ow0")})`)}
(loop $pixels
 ${pixel}
 ${set("xp", add(get("xp"), get("xStep")))}
 ${set("dp", add(get("dp"), get("rowBytes")))}
 ${set("ow", `(i32.sub ${get("ow")} ${int(1)})`)}
 (br_if $pixels (i32.gt_s ${get("ow")} ${int(0)})))
${storeAccs}`;
  const body = forLoop("ci", get("Ci"), forLoop("co", get("Co"), block, 4 * V), R);
  return `(func (export "filterGrad${4 * V}") (param $x i32) (param $dy i32) (param $dw i32) ${GEOMETRY_PARAMS}
 ${LOOP_LOCALS}
 (local $ci i32) (local $co i32) (local $ow i32) (local $ap i32) (local $xp i32) (local $dp i32)
 (local $rowBytes i32) (local $xStep i32) (local $xrow i32) (local $drow i32)
 ${accs.map((a) => `(local $${a} v128)`).join(" ")} ${vectorLocals("d", V)} (local $xs v128)
 ${set("rowBytes", bytes(get("Co")))}
 ${set("xStep", bytes(mul(get("sw"), get("Ci"))))}
 (memory.fill ${get("dw")} ${int(0)} ${bytes(mul(mul(mul(get("KH"), get("KW")), get("Ci")), get("Co")))})
 ${tapLoops(
   set(
     "drow",
     add(get("dy"), bytes(mul(mul(add(mul(get("n"), get("OH")), get("oh")), get("OW")), get("Co")))),
   ),
   set("xrow", add(get("x"), bytes(mul(mul(add(mul(get("n"), get("H")), get("ih")), get("W")), get("Ci"))))),
   body,
 )})`;
}

/** `inputGrad${4 * V}`: blocks of 4 dy pixels x V f32x4 vectors of input channels. */
function inputGradFunction(V: number): string {
  const P = 4; // dy pixels per block
  /** One block of `pixels` dy pixels starting at column `ow`. */
  const block = (pixels: number) => {
    const accs: string[] = [];
    for (let p = 0; p < pixels; p++) for (let v = 0; v < V; v++) accs.push(`a${p}${v}`);
    let setup = "";
    for (let p = 0; p < pixels; p++) {
      const column = add(get("ow"), int(p));
      setup += `${set(`xp${p}`, add(get("xrow"), bytes(add(mul(`(i32.sub ${add(mul(column, get("sw")), get("kw"))} ${get("pl")})`, get("Ci")), get("ci")))))}\n`;
      setup += `${set(`dp${p}`, add(get("drow"), bytes(mul(column, get("Co")))))}\n`;
    }
    const loads = accs.map((a, i) =>
      set(a, `(v128.load offset=${(i % V) * 16} ${get(`xp${Math.floor(i / V)}`)})`),
    );
    const stores = accs.map(
      (a, i) => `(v128.store offset=${(i % V) * 16} ${get(`xp${Math.floor(i / V)}`)} ${get(a)})`,
    );
    let step = "";
    for (let v = 0; v < V; v++) step += `${set(`w${v}`, `(v128.load offset=${v * 16} ${get("wp")})`)}\n`;
    for (let p = 0; p < pixels; p++) {
      step += `${set("ds", `(v128.load32_splat ${add(get(`dp${p}`), get("cb"))})`)}\n`;
      for (let v = 0; v < V; v++)
        step += `${set(`a${p}${v}`, `(f32x4.add (f32x4.mul ${get("ds")} ${get(`w${v}`)}) ${get(`a${p}${v}`)})`)}\n`;
    }
    return `${setup}${loads.join("\n")}
${set("wp", get("wtap"))}
${set("cb", int(0))}
(loop $channels_${pixels}
 ${step}
 ${set("wp", add(get("wp"), get("wStep")))}
 ${set("cb", add(get("cb"), int(4)))}
 (br_if $channels_${pixels} (i32.lt_s ${get("cb")} ${get("coBytes")})))
${stores.join("\n")}`;
  };
  const body = forLoop(
    "ci",
    get("Ci"),
    `${set("wtap", add(get("wt"), bytes(add(mul(mul(add(mul(get("kh"), get("KW")), get("kw")), get("Co")), get("Ci")), get("ci")))))}
${set("ow", get("ow0"))}
(block $quads_end (loop $quads
 (br_if $quads_end (i32.gt_s ${add(get("ow"), int(P))} ${get("ow1")}))
 ${block(P)}
 ${set("ow", add(get("ow"), int(P)))}
 (br $quads)))
(block $singles_end (loop $singles
 (br_if $singles_end (i32.ge_s ${get("ow")} ${get("ow1")}))
 ${block(1)}
 ${set("ow", add(get("ow"), int(1)))}
 (br $singles)))`,
    4 * V,
  );
  const accLocals: string[] = [];
  for (let p = 0; p < P; p++) for (let v = 0; v < V; v++) accLocals.push(`(local $a${p}${v} v128)`);
  const pixelLocals: string[] = [];
  for (let p = 0; p < P; p++) pixelLocals.push(`(local $xp${p} i32) (local $dp${p} i32)`);
  return `(func (export "inputGrad${4 * V}") (param $dy i32) (param $wt i32) (param $dx i32) ${GEOMETRY_PARAMS}
 ${LOOP_LOCALS}
 (local $ci i32) (local $ow i32) (local $wp i32) (local $wtap i32) (local $cb i32) (local $coBytes i32) (local $wStep i32)
 (local $xrow i32) (local $drow i32) ${pixelLocals.join(" ")}
 ${accLocals.join(" ")} ${vectorLocals("w", V)} (local $ds v128)
 ${set("coBytes", bytes(get("Co")))}
 ${set("wStep", bytes(get("Ci")))}
 (memory.fill ${get("dx")} ${int(0)} ${bytes(mul(mul(mul(get("N"), get("H")), get("W")), get("Ci")))})
 ${tapLoops(
   set(
     "drow",
     add(get("dy"), bytes(mul(mul(add(mul(get("n"), get("OH")), get("oh")), get("OW")), get("Co")))),
   ),
   set("xrow", add(get("dx"), bytes(mul(mul(add(mul(get("n"), get("H")), get("ih")), get("W")), get("Ci"))))),
   body,
 )})`;
}

/**
 * copyChannels(src, dst, pixels, from, to): each pixel's first min(from, to) channels from rows
 * of `from` channels to rows of `to` channels, extra destination channels zeroed. Pads channels
 * for the kernels and cuts them off their results (tfjs wasm's Pad and Slice are generic loops,
 * ~10 ns per element).
 */
function copyChannelsFunction(): string {
  const channel = `(f32.store ${add(get("d"), bytes(get("c")))} (f32.load ${add(get("s"), bytes(get("c")))}))`;
  return `(func (export "copyChannels") (param $src i32) (param $dst i32) (param $pixels i32) (param $from i32) (param $to i32)
 (local $m i32) (local $c i32) (local $keep i32) (local $s i32) (local $d i32)
 ${set("keep", `(select ${get("from")} ${get("to")} (i32.lt_s ${get("from")} ${get("to")}))`)}
 (if (i32.gt_s ${get("to")} ${get("from")}) (then
  (memory.fill ${get("dst")} ${int(0)} ${bytes(mul(get("pixels"), get("to")))})))
 ${set("s", get("src"))}
 ${set("d", get("dst"))}
 ${forLoop(
   "m",
   get("pixels"),
   `${forLoop("c", get("keep"), channel)}
 ${set("s", add(get("s"), bytes(get("from"))))}
 ${set("d", add(get("d"), bytes(get("to"))))}`,
 )})`;
}

/**
 * channelSums(src, dst, pixels, C): dst[c] = sum over p of src[p*C + c], for C % 4 == 0: the
 * per-channel reductions of batch norm (tfjs wasm transposes a tensor before reducing any but
 * its innermost axis). Channels go in blocks of up to 8 f32x4 accumulators, each block one pass.
 */
function channelSumsFunction(): string {
  const block = (vectors: number) => {
    const accs = Array.from({ length: vectors }, (_, v) => `s${v}`);
    return `(block $blocks${vectors}_end (loop $blocks${vectors}
 (br_if $blocks${vectors}_end (i32.gt_s ${add(get("c"), int(4 * vectors))} ${get("C")}))
 ${accs.map((a) => set(a, "(v128.const i32x4 0 0 0 0)")).join("\n")}
 ${set("sp", add(get("src"), bytes(get("c"))))}
 ${set("p", get("pixels"))}
 (block $pixels${vectors}_end (loop $pixels${vectors}
  (br_if $pixels${vectors}_end (i32.le_s ${get("p")} ${int(0)}))
  ${accs.map((a, v) => set(a, `(f32x4.add ${get(a)} (v128.load offset=${v * 16} ${get("sp")}))`)).join("\n")}
  ${set("sp", add(get("sp"), get("stride")))}
  ${set("p", `(i32.sub ${get("p")} ${int(1)})`)}
  (br $pixels${vectors})))
 ${accs.map((a, v) => `(v128.store offset=${v * 16} ${add(get("dst"), bytes(get("c")))} ${get(a)})`).join("\n")}
 ${set("c", add(get("c"), int(4 * vectors)))}
 (br $blocks${vectors})))`;
  };
  return `(func (export "channelSums") (param $src i32) (param $dst i32) (param $pixels i32) (param $C i32)
 (local $c i32) (local $p i32) (local $sp i32) (local $stride i32) ${vectorLocals("s", 8)}
 ${set("stride", bytes(get("C")))}
 ${set("c", int(0))}
 ${[8, 4, 2, 1].map(block).join("\n")})`;
}

/**
 * broadcastChannels(src, dst, pixels, C): dst[p*C + c] = src[c], for C % 4 == 0 (the gradient of a
 * per-channel mean, without the full-size multiply and divide tfjs-core's gradient makes).
 */
function broadcastChannelsFunction(): string {
  return `(func (export "broadcastChannels") (param $src i32) (param $dst i32) (param $pixels i32) (param $C i32)
 (local $p i32) (local $c i32) (local $rowBytes i32)
 ${set("rowBytes", bytes(get("C")))}
 ${forLoop(
   "p",
   get("pixels"),
   `${forLoop("c", get("rowBytes"), `(v128.store ${add(get("dst"), get("c"))} (v128.load ${add(get("src"), get("c"))}))`, 16)}
 ${set("dst", add(get("dst"), get("rowBytes")))}`,
 )})`;
}

/**
 * channelAffine(src, a, b, dst, pixels, C): dst[p*C + c] = src[p*C + c] * a[c] + b[c], for
 * C % 4 == 0: batch norm forward, and its gradient's per-channel scalings, in one pass (tfjs
 * wasm's broadcasting Multiply and Sub are generic loops).
 */
function channelAffineFunction(): string {
  const at = (base: string) => `(v128.load ${add(get(base), get("c"))})`;
  return `(func (export "channelAffine") (param $src i32) (param $a i32) (param $b i32) (param $dst i32) (param $pixels i32) (param $C i32)
 (local $p i32) (local $c i32) (local $rowBytes i32)
 ${set("rowBytes", bytes(get("C")))}
 ${forLoop(
   "p",
   get("pixels"),
   `${forLoop("c", get("rowBytes"), `(v128.store ${add(get("dst"), get("c"))} (f32x4.add (f32x4.mul ${at("src")} ${at("a")}) ${at("b")}))`, 16)}
 ${set("src", add(get("src"), get("rowBytes")))}
 ${set("dst", add(get("dst"), get("rowBytes")))}`,
 )})`;
}

/**
 * exp(src, dst, vectors): dst = e^src, 4 floats at a time (tfjs wasm's Exp calls the scalar
 * std::exp; the softmax of the cross-entropy at full resolution spends ~7% of a step there).
 * Cephes' expf: n = round(x / ln 2), r = x - n ln 2 in two parts, a degree-5 polynomial, times
 * 2^n built in the exponent bits (as 2^(n-1) * 2, so n = 128 does not overflow). Below -87.34 the
 * result is 0, above 88.72 +Infinity; NaN stays NaN.
 */
function expFunction(): string {
  const f = (v: number) => `(f32x4.splat (f32.const ${v === Infinity ? "inf" : v}))`;
  const fmul = (a: string, b: string) => `(f32x4.mul ${a} ${b})`;
  const fadd = (a: string, b: string) => `(f32x4.add ${a} ${b})`;
  const coefficients = [
    1.98756915e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1,
  ];
  let poly = f(coefficients[0]);
  for (const c of coefficients.slice(1)) poly = fadd(fmul(poly, get("r")), f(c));
  return `(func (export "exp") (param $src i32) (param $dst i32) (param $vectors i32)
 (local $x v128) (local $n v128) (local $r v128) (local $y v128) (local $scale v128)
 (block $done (loop $next
  (br_if $done (i32.le_s ${get("vectors")} ${int(0)}))
  ${set("x", `(v128.load ${get("src")})`)}
  ${set("n", `(f32x4.nearest ${fmul(`(f32x4.max (f32x4.min ${get("x")} ${f(88.7228)}) ${f(-87.3365)})`, f(1.442695041))})`)}
  ${set("r", `(f32x4.sub (f32x4.max (f32x4.min ${get("x")} ${f(88.7228)}) ${f(-87.3365)}) ${fmul(get("n"), f(0.693359375))})`)}
  ${set("r", `(f32x4.sub ${get("r")} ${fmul(get("n"), f(-2.1219444e-4))})`)}
  ${set("y", fadd(fadd(fmul(poly, fmul(get("r"), get("r"))), get("r")), f(1)))}
  ${set("scale", `(i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s ${get("n")}) (i32x4.splat ${int(126)})) ${int(23)})`)}
  ${set("y", fmul(fmul(get("y"), get("scale")), f(2)))}
  ${set("y", `(v128.bitselect ${f(Infinity)} ${get("y")} (f32x4.gt ${get("x")} ${f(88.7228)}))`)}
  ${set("y", `(v128.bitselect ${f(0)} ${get("y")} (f32x4.lt ${get("x")} ${f(-87.3365)}))`)}
  (v128.store ${get("dst")} ${get("y")})
  ${set("src", add(get("src"), int(16)))}
  ${set("dst", add(get("dst"), int(16)))}
  ${set("vectors", `(i32.sub ${get("vectors")} ${int(1)})`)}
  (br $next))))`;
}

/** The module's text. */
export function simdKernelsWat(): string {
  return `(module
 (import "env" "memory" (memory 1))
 ${filterGradFunction(2)}
 ${filterGradFunction(1)}
 ${inputGradFunction(2)}
 ${inputGradFunction(1)}
 ${copyChannelsFunction()}
 ${channelSumsFunction()}
 ${expFunction()}
 ${broadcastChannelsFunction()}
 ${channelAffineFunction()})
`;
}
