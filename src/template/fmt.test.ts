// Go fmt rules as templates reach them through print/printf, checked against outputs of Go's fmt.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Template } from "./mod.ts";

function render(text: string, data: unknown = null): string {
  return Template.parse(text).execute(data);
}

function table(rows: [string, string][], data: unknown = null) {
  for (const [tmpl, want] of rows) assert.equal(render(tmpl, data), want, tmpl);
}

test("%v of float64: shortest digits, exponent form below 1e-4 and from 1e6 (Go's %g)", () => {
  table([
    ["{{.}}", "0.30000000000000004"],
  ], 0.1 + 0.2);
  table([
    ['{{printf "%v %v %v %v" 1e21 100000.0 1e-6 0.0001}}', "1e+21 100000 1e-06 0.0001"],
    ['{{printf "%v %v %v" 123456.0 1234567.0 123456789.0}}', "123456 1.234567e+06 1.23456789e+08"],
    ["{{print 1.0 2.5 -0.0 1e-320 .5 1.}}", "1 2.5 -0 1e-320 0.5 1"],
    ['{{printf "%v %v" 1e6 1e5}}', "1e+06 100000"],
  ]);
  assert.equal(render("{{.}}", [1.0, 2.5, 1e6, 1e-5, -0]), "[1 2.5 1e+06 1e-05 -0]");
  assert.equal(render("{{.A}} {{.B}} {{.C}}", { A: NaN, B: Infinity, C: -Infinity }), "NaN +Inf -Inf");
});

test("%e %f %g with precision round half to even on the exact binary value", () => {
  table([
    ['{{printf "%.2f %.2f %.2f %.1f %.0f %.0f" 0.125 0.375 1.005 0.25 0.5 1.5}}', "0.12 0.38 1.00 0.2 0 2"],
    [
      '{{printf "%f" 3.14159}}|{{printf "%e" 123456.789}}|{{printf "%E" 0.000123}}',
      "3.141590|1.234568e+05|1.230000E-04",
    ],
    ['{{printf "%.3g|%.10g|%g|%.0g" 1234567.0 3.0 100.0 0.5}}', "1.23e+06|3|100|0.5"],
    [
      '{{printf "%g" 1234567.0}} {{printf "%.7g" 1234567.0}} {{printf "%.6g" 1234567.0}}',
      "1.234567e+06 1234567 1.23457e+06",
    ],
    ['{{printf "%g %g %G %e" 1e21 1e-7 1e-7 0.0}}', "1e+21 1e-07 1E-07 0.000000e+00"],
    ['{{printf "%.20f" 0.1}}', "0.10000000000000000555"],
    ['{{printf "%e %.0e %#.0e %#g %#.3g" 1.0 1.5 1.5 1.0 2.0}}', "1.000000e+00 2e+00 2.e+00 1.00000 2.00"],
    ['{{printf "%v %.2v" 3.14159 3.14159}}', "3.14159 3.1"],
  ]);
});

test("float width, sign and zero-padding flags", () => {
  table([
    [
      '{{printf "%8.3f|%-8.3f|%+.2e|% .3f|%08.2f" 3.14159 2.5 12345.678 1.0 -1.5}}',
      "   3.142|2.500   |+1.23e+04| 1.000|-0001.50",
    ],
    ['{{printf "%010.3f|%-010.3f|%+010.3f" 3.14159 3.14159 3.14159}}', "000003.142|3.142     |+00003.142"],
    ['{{printf "%+.1f" 2.0}}|{{printf "%6.2f%%" 12.3456}}', "+2.0| 12.35%"],
  ]);
});

test("integers: bases, flags, precision, %c %q %U", () => {
  table([
    ['{{printf "%x %X %#x %#X %o %#o %b %O" 255 255 255 255 8 8 5 8}}', "ff FF 0xff 0XFF 10 010 101 0o10"],
    ['{{printf "%5d|%-5d|%05d" 42 42 42}}', "   42|42   |00042"],
    ['{{printf "%6d|%-6d|%06d|%+06d" -42 -42 -42 42}}', "   -42|-42   |-00042|+00042"],
    ['{{printf "%.3d|%8.3d|%-8.3d|%08.3d|%.0d|%5.0d|" 7 7 7 7 0 0}}', "007|     007|007     |     007||     |"],
    ['{{printf "%+d %+d % d % d" -5 5 -5 5}}', "-5 +5 -5  5"],
    ['{{printf "%x" -255}} {{printf "%#b" 5}} {{printf "%#o" 0}}', "-ff 0b101 0"],
    ['{{printf "%c|%5c|%-5c|" 65 66 67}}', "A|    B|C    |"],
    ['{{printf "%c %q %U %#U %#U" 0x1F600 0x1F600 0x1F600 65 10}}', "😀 '😀' U+1F600 U+0041 'A' U+000A"],
    ['{{printf "%q" 39}} {{printf "%q" 34}} {{printf "%+q" 233}} {{printf "%q" 7}}', `'\\'' '"' '\\u00e9' '\\a'`],
    ["{{printf \"%v %d %T\" 'a' 'a' 'a'}}", "97 97 int"],
    ['{{printf "%d" 9223372036854775807}}', "9223372036854775807"],
  ]);
});

test("strings: %s %q %x with width and precision (widths count runes)", () => {
  table([
    ['{{printf "%10s|%-10s|" "a" "b"}}', "         a|b         |"],
    ['{{printf "%6.2s|%-6s|%06s" "abcdef" "ab" "ab"}}', "    ab|ab    |0000ab"],
    ['{{printf "%-4s|%4s|" "é" "世界"}}', "é   |  世界|"],
    ['{{printf "%q %+q %#q %#q" "a\\tb" "日本" "a`b" "x"}}', '"a\\tb" "\\u65e5\\u672c" "a`b" `x`'],
    ['{{printf "%q" "\\x00\\x7f é"}}', '"\\x00\\x7f é"'],
    [
      '{{printf "%x %X % x %#x % #x" "héllo" "hi" "abc" "abc" "abc"}}',
      "68c3a96c6c6f 6869 61 62 63 0x616263 0x61 0x62 0x63",
    ],
    ['{{printf "%5.1q|" "abc"}}', '  "a"|'],
    ['{{printf "%5t|%-6t|" true false}}', " true|false |"],
  ]);
});

test("bad verbs, missing and extra arguments, argument indexes and star widths", () => {
  table([
    [
      '{{printf "%d" "x"}}|{{printf "%s" 1}}|{{printf "%t" 1}}|{{printf "%z" 1.5}}',
      "%!d(string=x)|%!s(int=1)|%!t(int=1)|%!z(float64=1.5)",
    ],
    ['{{printf "%s" nil}}|{{printf "%v" nil}}|{{printf "%T" nil}}', "%!s(<nil>)|<nil>|<nil>"],
    [
      '{{printf "%d %d" 1}}|{{printf "x" 1 "a"}}|{{printf "abc%"}}',
      "1 %!d(MISSING)|x%!(EXTRA int=1, string=a)|abc%!(NOVERB)",
    ],
    [
      '{{printf "%[2]d %[1]d %d" 1 2}}|{{printf "%[3]d" 1 2}}|{{printf "%[0]d" 1}}',
      "2 1 2|%!d(BADINDEX)|%!d(BADINDEX)",
    ],
    [
      '{{printf "%*d|%-*d|%*d" 5 1 5 1 -5 1}}|{{printf "%.*d" 3 1}}|{{printf "%.*f" 2 3.14159}}',
      "    1|1    |1    |001|3.14",
    ],
    ['{{printf "%!" 1}}|{{printf "100%%"}}', "%!!(int=1)|100%"],
  ]);
});

test("composites print like []interface{} and map[string]interface{}; verbs apply to elements", () => {
  const data = { L: [1n, "a", true, null, 2.5], M: { b: 1n, a: "x" }, N: [10n, 255n] };
  table([
    ["{{.L}} {{.M}}", "[1 a true <nil> 2.5] map[a:x b:1]"],
    ['{{printf "%s" .L}}', "[%!s(int64=1) a %!s(bool=true) <nil> %!s(float64=2.5)]"],
    ['{{printf "%x" .N}} {{printf "%q" .M}} {{printf "%5d" .N}}', `[a ff] map["a":"x" "b":'\\x01'] [   10   255]`],
    ['{{printf "%T %T %T %T" .L .M 1.5 .M.b}}', "[]interface {} map[string]interface {} float64 int64"],
    ['{{printf "%#v" .L}}', '[]interface {}{1, "a", true, interface {}(nil), 2.5}'],
  ], data);
});

test("complex numbers", () => {
  table([
    ['{{printf "%v %.2f %T" 1i 1.5i 2+3i}}', "(0+1i) (0.00+1.50i) complex128"],
    ["{{print -1.2+4.2i 073i}}", "(-1.2+4.2i) (0+73i)"],
  ]);
});

test("print and println spacing rules", () => {
  table([
    ['{{print 1 2 "x" 3 4}}', "1 2x3 4"],
    ['{{print "a" "b" 1 2 "c"}}', "ab1 2c"],
    ['{{println}}|{{println nil "a" 1}}|', "\n|<nil> a 1\n|"],
  ]);
});
