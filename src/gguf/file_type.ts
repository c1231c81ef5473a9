/**
 * `general.file_type` (llama.cpp's `enum llama_ftype`): what the bulk of a model's tensors are quantized to.
 * Names are the ones Ollama shows as `quantization_level` (ollama fs/ggml FileType.String()).
 * @module
 */

// Ids follow include/llama.h. Ollama reuses 4 (llama.cpp's removed Q4_1_SOME_F16) for MXFP4.
const NAMES: ReadonlyMap<number, string> = new Map([
  [0, "F32"],
  [1, "F16"],
  [2, "Q4_0"],
  [3, "Q4_1"],
  [4, "MXFP4"],
  [7, "Q8_0"],
  [8, "Q5_0"],
  [9, "Q5_1"],
  [10, "Q2_K"],
  [11, "Q3_K_S"],
  [12, "Q3_K_M"],
  [13, "Q3_K_L"],
  [14, "Q4_K_S"],
  [15, "Q4_K_M"],
  [16, "Q5_K_S"],
  [17, "Q5_K_M"],
  [18, "Q6_K"],
  [19, "IQ2_XXS"],
  [20, "IQ2_XS"],
  [21, "Q2_K_S"],
  [22, "IQ3_XS"],
  [23, "IQ3_XXS"],
  [24, "IQ1_S"],
  [25, "IQ4_NL"],
  [26, "IQ3_S"],
  [27, "IQ3_M"],
  [28, "IQ2_S"],
  [29, "IQ2_M"],
  [30, "IQ4_XS"],
  [31, "IQ1_M"],
  [32, "BF16"],
  [36, "TQ1_0"],
  [37, "TQ2_0"],
  [38, "MXFP4_MOE"],
  [39, "NVFP4"],
  [40, "Q1_0"],
  [41, "Q2_0"],
]);

/** llama.cpp's `LLAMA_FTYPE_*` ids tollama writes itself. */
export const FILE_TYPE = { F32: 0, F16: 1, Q4_0: 2, Q8_0: 7, Q4_K_M: 15, BF16: 32 } as const;

/** Ollama's name for a `general.file_type` value ("Q4_K_M", "F16"); "unknown" for anything else, as Ollama says. */
export function fileTypeName(fileType: number | bigint | undefined): string {
  if (fileType === undefined) return "unknown";
  return NAMES.get(Number(fileType)) ?? "unknown";
}
