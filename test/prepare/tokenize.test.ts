import { tokenize } from "../../lib/prepare";

describe("tokenize", () => {
  it.each([
    [
      "lower-cases and splits off punctuation",
      "Don't STOP!! 3.5%  now",
      "don ' t stop ! ! 3 . 5 % now",
    ],
    ["keeps letters of any script together", "Café déjà-vu ΣΑΣ", "café déjà - vu σας"],
    [
      "treats every kind of whitespace as one space",
      "tab\there\r\nnew\u00a0line\u3000end ",
      "tab here new line end",
    ],
    [
      "makes each emoji and combining mark a token",
      "ok 👍🏽 e\u0301",
      "ok 👍 🏽 e \u0301",
    ],
    [
      "leaves HTML leftovers as tokens",
      "it#39;s &lt;b&gt;",
      "it # 39 ; s & lt ; b & gt ;",
    ],
    ["keeps underscores apart from words", "snake_case", "snake _ case"],
    ["gives nothing for blank text", " \n\t ", ""],
  ])("%s", (_behaviour, text, tokens) => {
    expect(tokenize(text)).toBe(tokens);
  });
});
