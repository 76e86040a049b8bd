package org.scribbleseg.engine.nn;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CLIP byte-level BPE tokenizer, reproducing openai/CLIP {@code clip/simple_tokenizer.py} + {@code clip.tokenize}
 * (commit {@code d05afc43}), read from Hugging Face {@code vocab.json} + {@code merges.txt}.
 *
 * <p>Pipeline of {@link #encode}: {@code ftfy.fix_text} (emulated, see below) → {@code html.unescape} twice → strip →
 * collapse whitespace runs to one space → strip → lower case → the official regex (case-insensitive) → UTF-8 bytes
 * mapped through {@code bytes_to_unicode} → BPE with {@code </w>} word ends (cached per word) → vocabulary ids.
 * {@link #tokenize} adds SOT 49406 / EOT 49407, zero-pads to the context length, and with {@code truncate=true} cuts
 * to the context length and overwrites the last id with EOT (exactly {@code tokens[:77]; tokens[-1] = eot}).
 *
 * <h2>ftfy 6.3.1 {@code fix_text} with default settings: what is reproduced</h2>
 * Text is split into segments after each {@code \n} (as {@code fix_text} does); each segment is fixed repeatedly
 * until it stops changing (as {@code fix_and_explain} does), each round applying in ftfy's order:
 * <ul>
 *   <li>{@code unescape_html} ("auto"): ftfy's own entity pass (regex {@code &#?[0-9A-Za-z]{1,24};}; every HTML5 name
 *       ending in ';', plus the all-caps forms of lower-case names that are not entities themselves, e.g.
 *       {@code &EACUTE;} → É; numeric references only when fully consumed). Disabled, as in ftfy, from the first
 *       segment containing '<' onwards.</li>
 *   <li>{@code fix_c1_controls}: U+0080..U+009F decoded as (sloppy) Windows-1252.</li>
 *   <li>{@code fix_latin_ligatures}: ftfy's exact table (ﬀ ﬁ ﬂ ﬃ ﬄ ﬅ ﬆ, Ĳ ĳ ŉ, Ǳ..ǌ digraphs).</li>
 *   <li>{@code fix_character_width}: U+3000 → space, U+FF01..U+FFEF → their NFKC form (full-width ASCII,
 *       half-width katakana / Hangul), computed with Java's NFKC.</li>
 *   <li>{@code uncurl_quotes}: U+201C..U+201F → {@code "}, U+02BC and U+2018..U+201B → {@code '}.</li>
 *   <li>{@code fix_line_breaks}: CRLF, CR, U+2028, U+2029, U+0085 → {@code \n}.</li>
 *   <li>{@code fix_surrogates}: lone surrogates → U+FFFD (paired ones are already one code point in Java).</li>
 *   <li>{@code remove_terminal_escapes}: {@code ESC [ (digits|;)* letter} removed.</li>
 *   <li>{@code remove_control_chars}: U+0000..U+0008, U+000B, U+000E..U+001F, U+007F, U+206A..U+206F, U+FEFF,
 *       U+FFF9..U+FFFC removed.</li>
 *   <li>NFC normalisation.</li>
 * </ul>
 *
 * <h2>ftfy behaviour NOT reproduced</h2>
 * <ul>
 *   <li>{@code fix_encoding} — ftfy's mojibake repair: the "badness" heuristic that decides a string was decoded with
 *       the wrong codec and re-decodes it (e.g. {@code "cafÃ©"} → {@code "café"}), with its sub-steps
 *       {@code restore_byte_a0}, {@code replace_lossy_sequences} and {@code decode_inconsistent_utf8}. Such text is
 *       tokenized as given. Plain (non-mojibake) text is left unchanged by this ftfy step, so it is unaffected; none
 *       of the fixture cases depends on it.</li>
 *   <li>The {@code max_decode_length} (1,000,000 characters) segmentation only matters for {@code fix_encoding}.</li>
 *   <li>The official {@code whitespace_clean} uses the {@code regex} module's {@code \s} (Unicode White_Space);
 *       this class uses Python's {@code str.isspace} set, which adds U+001C..U+001F — characters ftfy's
 *       control-character removal (and {@code html.unescape}'s invalid-code-point rule) already delete, so the two
 *       cannot differ on any input.</li>
 *   <li>Unicode tables: Java 17 uses Unicode 13 for NFC/NFKC, letter/number classes and case mapping, CPython 3.11
 *       uses Unicode 14; characters added in Unicode 14 may be classified differently.</li>
 * </ul>
 *
 * <h2>HTML unescaping</h2>
 * {@link #htmlUnescape} is a port of Python's {@code html.unescape}: ALL 2231 HTML5 named references (the WHATWG
 * table, including the legacy forms without ';' and the longest-prefix rule for those), and all numeric references
 * (decimal and hex, with Python's Windows-1252 remapping of 0x80..0x9F, U+FFFD for 0, surrogates and values above
 * U+10FFFF, and removal of the invalid code points Python removes).
 *
 * <p>Thread-safe: the BPE cache is concurrent.
 */
public final class ClipTokenizer {

    public static final int SOT = 49406;
    public static final int EOT = 49407;
    public static final int CONTEXT_LENGTH = 77;
    public static final String SOT_TEXT = "<|startoftext|>";
    public static final String EOT_TEXT = "<|endoftext|>";

    /** The official tokenizer uses merges lines [1, 49152-256-2+1) of its BPE file, i.e. 48894 merges. */
    private static final int MAX_MERGES = 49152 - 256 - 2;

    private static final Pattern TOKEN_PATTERN = Pattern.compile(
            "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);

    private static final char[] BYTE_ENCODER = bytesToUnicode();

    private final Map<String, Integer> encoder;
    private final Map<String, Integer> bpeRanks;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    private ClipTokenizer(Map<String, Integer> encoder, Map<String, Integer> bpeRanks) {
        this.encoder = encoder;
        this.bpeRanks = bpeRanks;
        Integer sot = encoder.get(SOT_TEXT);
        Integer eot = encoder.get(EOT_TEXT);
        if (sot == null || eot == null || sot != SOT || eot != EOT) {
            throw new IllegalArgumentException("vocab.json is not a CLIP vocabulary: expected " + SOT_TEXT + "=" + SOT
                    + " and " + EOT_TEXT + "=" + EOT + ", found " + sot + " and " + eot);
        }
        cache.put(SOT_TEXT, new int[] {SOT});
        cache.put(EOT_TEXT, new int[] {EOT});
    }

    /** Reads {@code vocab.json} and {@code merges.txt} from a Hugging Face CLIP model directory. */
    public static ClipTokenizer fromDirectory(Path dir) throws IOException {
        try (InputStream v = Files.newInputStream(dir.resolve("vocab.json"));
             InputStream m = Files.newInputStream(dir.resolve("merges.txt"))) {
            return fromStreams(v, m);
        }
    }

    /** Reads the two Hugging Face files from streams (not closed). */
    public static ClipTokenizer fromStreams(InputStream vocabJson, InputStream mergesTxt) throws IOException {
        Map<String, Integer> enc = new ObjectMapper().readValue(vocabJson, new TypeReference<HashMap<String, Integer>>() { });
        Map<String, Integer> ranks = new HashMap<>();
        BufferedReader r = new BufferedReader(new InputStreamReader(mergesTxt, StandardCharsets.UTF_8));
        String line;
        boolean first = true;
        int rank = 0;
        while ((line = r.readLine()) != null && rank < MAX_MERGES) {
            if (first) {
                first = false;
                if (line.startsWith("#version")) {
                    continue;
                }
            }
            if (line.isBlank()) {
                continue;
            }
            String[] parts = line.split(" ");
            if (parts.length != 2) {
                throw new IOException("merges.txt line " + (rank + 2) + " is not a pair: '" + line + "'");
            }
            ranks.putIfAbsent(pairKey(parts[0], parts[1]), rank);
            rank++;
        }
        if (rank == 0) {
            throw new IOException("merges.txt holds no merges");
        }
        return new ClipTokenizer(Collections.unmodifiableMap(enc), Collections.unmodifiableMap(ranks));
    }

    public int vocabularySize() {
        return encoder.size();
    }

    /** BPE ids of a text, without SOT/EOT and without truncation. */
    public int[] encode(String text) {
        String cleaned = clean(text);
        List<Integer> ids = new ArrayList<>();
        Matcher m = TOKEN_PATTERN.matcher(cleaned);
        while (m.find()) {
            for (int id : bpe(m.group())) {
                ids.add(id);
            }
        }
        int[] out = new int[ids.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ids.get(i);
        }
        return out;
    }

    /** {@code clip.tokenize(texts, contextLength, truncate=True)}: SOT + ids + EOT, truncated, zero-padded. */
    public long[][] tokenize(List<String> texts, int contextLength) {
        return tokenize(texts, contextLength, true);
    }

    /** As {@code clip.tokenize}; without truncation a too-long text throws {@link IllegalArgumentException}. */
    public long[][] tokenize(List<String> texts, int contextLength, boolean truncate) {
        if (contextLength < 2) {
            throw new IllegalArgumentException("context length must be at least 2, got " + contextLength);
        }
        long[][] out = new long[texts.size()][contextLength];
        for (int row = 0; row < texts.size(); row++) {
            int[] bpe = encode(texts.get(row));
            int n = bpe.length + 2;
            if (n > contextLength) {
                if (!truncate) {
                    throw new IllegalArgumentException("Input " + texts.get(row) + " is too long for context length "
                            + contextLength);
                }
                n = contextLength;
            }
            long[] r = out[row];
            r[0] = SOT;
            for (int i = 1; i < n - 1; i++) {
                r[i] = bpe[i - 1];
            }
            r[n - 1] = EOT;
        }
        return out;
    }

    // ---------------------------------------------------------------- BPE

    private int[] bpe(String token) {
        byte[] utf8 = token.getBytes(StandardCharsets.UTF_8);
        char[] mapped = new char[utf8.length];
        for (int i = 0; i < utf8.length; i++) {
            mapped[i] = BYTE_ENCODER[utf8[i] & 0xff];
        }
        String key = new String(mapped);
        int[] cached = cache.get(key);
        if (cached != null) {
            return cached;
        }
        int[] ids = bpeWord(key);
        cache.put(key, ids);
        return ids;
    }

    private int[] bpeWord(String token) {
        List<String> word = new ArrayList<>(token.length());
        for (int i = 0; i < token.length() - 1; i++) {
            word.add(String.valueOf(token.charAt(i)));
        }
        word.add(token.charAt(token.length() - 1) + "</w>");
        while (word.size() > 1) {
            int bestRank = Integer.MAX_VALUE;
            String bestFirst = null;
            String bestSecond = null;
            for (int i = 0; i < word.size() - 1; i++) {
                Integer r = bpeRanks.get(pairKey(word.get(i), word.get(i + 1)));
                if (r != null && r < bestRank) {
                    bestRank = r;
                    bestFirst = word.get(i);
                    bestSecond = word.get(i + 1);
                }
            }
            if (bestFirst == null) {
                break;
            }
            List<String> merged = new ArrayList<>(word.size());
            int i = 0;
            while (i < word.size()) {
                if (i < word.size() - 1 && word.get(i).equals(bestFirst) && word.get(i + 1).equals(bestSecond)) {
                    merged.add(bestFirst + bestSecond);
                    i += 2;
                } else {
                    merged.add(word.get(i));
                    i++;
                }
            }
            word = merged;
        }
        int[] ids = new int[word.size()];
        for (int i = 0; i < ids.length; i++) {
            Integer id = encoder.get(word.get(i));
            if (id == null) {
                throw new IllegalStateException("BPE symbol '" + word.get(i) + "' is not in vocab.json");
            }
            ids[i] = id;
        }
        return ids;
    }

    private static String pairKey(String a, String b) {
        return a + ' ' + b;
    }

    /** GPT-2/CLIP {@code bytes_to_unicode}: printable bytes map to themselves, the rest to U+0100 upwards. */
    static char[] bytesToUnicode() {
        char[] map = new char[256];
        boolean[] direct = new boolean[256];
        for (int b = '!'; b <= '~'; b++) {
            direct[b] = true;
        }
        for (int b = 0xA1; b <= 0xAC; b++) {
            direct[b] = true;
        }
        for (int b = 0xAE; b <= 0xFF; b++) {
            direct[b] = true;
        }
        int n = 0;
        for (int b = 0; b < 256; b++) {
            map[b] = direct[b] ? (char) b : (char) (256 + n++);
        }
        return map;
    }

    // ---------------------------------------------------------------- cleaning

    /**
     * The official text normalisation: {@code whitespace_clean(basic_clean(text)).lower()}, with ftfy emulated by
     * {@link #ftfyFixText}.
     */
    public static String clean(String text) {
        String t = ftfyFixText(Objects.requireNonNull(text, "text"));
        t = htmlUnescape(htmlUnescape(t));
        t = pyStrip(t);
        t = collapseWhitespace(t);
        t = pyStrip(t);
        return t.toLowerCase(Locale.ROOT);
    }

    /** Emulation of {@code ftfy.fix_text(text)} with default settings; see the class comment for what is left out. */
    public static String ftfyFixText(String text) {
        StringBuilder out = new StringBuilder(text.length());
        boolean unescape = true;
        int pos = 0;
        while (pos < text.length()) {
            int nl = text.indexOf('\n', pos);
            int end = nl < 0 ? text.length() : nl + 1;
            String segment = text.substring(pos, end);
            if (unescape && segment.indexOf('<') >= 0) {
                unescape = false;
            }
            out.append(ftfySegment(segment, unescape));
            pos = end;
        }
        return out.toString();
    }

    private static String ftfySegment(String text, boolean unescapeHtml) {
        while (true) {
            String orig = text;
            if (unescapeHtml) {
                text = FtfyHtml.unescape(text);
            }
            text = fixC1Controls(text);
            text = fixLatinLigatures(text);
            text = fixCharacterWidth(text);
            text = uncurlQuotes(text);
            text = fixLineBreaks(text);
            text = fixSurrogates(text);
            text = ANSI_ESCAPE.matcher(text).replaceAll("");
            text = removeControlChars(text);
            text = Normalizer.normalize(text, Normalizer.Form.NFC);
            if (text.equals(orig)) {
                return text;
            }
        }
    }

    private static final Pattern ANSI_ESCAPE = Pattern.compile("\u001b\\[((?:\\p{Nd}|;)*)([a-zA-Z])");

    /** Windows-1252 for 0x80..0x9F; the five undefined bytes stay as they are ("sloppy" codec). */
    private static final char[] CP1252_C1 = {
        '\u20ac', '\u0081', '\u201a', '\u0192', '\u201e', '\u2026', '\u2020', '\u2021',
        '\u02c6', '\u2030', '\u0160', '\u2039', '\u0152', '\u008d', '\u017d', '\u008f',
        '\u0090', '\u2018', '\u2019', '\u201c', '\u201d', '\u2022', '\u2013', '\u2014',
        '\u02dc', '\u2122', '\u0161', '\u203a', '\u0153', '\u009d', '\u017e', '\u0178',
    };

    static char cp1252C1(int c) {
        return CP1252_C1[c - 0x80];
    }

    private static String fixC1Controls(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x80 && c <= 0x9f) {
                if (b == null) {
                    b = new StringBuilder(s);
                }
                b.setCharAt(i, CP1252_C1[c - 0x80]);
            }
        }
        return b == null ? s : b.toString();
    }

    private static final Map<Character, String> LIGATURES = Map.ofEntries(
            Map.entry('\u0132', "IJ"), Map.entry('\u0133', "ij"), Map.entry('\u0149', "\u02bcn"),
            Map.entry('\u01f1', "DZ"), Map.entry('\u01f2', "Dz"), Map.entry('\u01f3', "dz"),
            Map.entry('\u01c4', "D\u017d"), Map.entry('\u01c5', "D\u017e"), Map.entry('\u01c6', "d\u017e"),
            Map.entry('\u01c7', "LJ"), Map.entry('\u01c8', "Lj"), Map.entry('\u01c9', "lj"),
            Map.entry('\u01ca', "NJ"), Map.entry('\u01cb', "Nj"), Map.entry('\u01cc', "nj"),
            Map.entry('\ufb00', "ff"), Map.entry('\ufb01', "fi"), Map.entry('\ufb02', "fl"),
            Map.entry('\ufb03', "ffi"), Map.entry('\ufb04', "ffl"), Map.entry('\ufb05', "\u017ft"),
            Map.entry('\ufb06', "st"));

    private static String fixLatinLigatures(String s) {
        StringBuilder b = new StringBuilder(s.length());
        boolean changed = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String rep = LIGATURES.get(c);
            if (rep != null) {
                b.append(rep);
                changed = true;
            } else {
                b.append(c);
            }
        }
        return changed ? b.toString() : s;
    }

    private static final String[] WIDTH_MAP = buildWidthMap();

    private static String[] buildWidthMap() {
        String[] map = new String[0xFFF0 - 0xFF01];
        for (int c = 0xFF01; c < 0xFFF0; c++) {
            String ch = String.valueOf((char) c);
            String alt = Normalizer.normalize(ch, Normalizer.Form.NFKC);
            map[c - 0xFF01] = alt.equals(ch) ? null : alt;
        }
        return map;
    }

    private static String fixCharacterWidth(String s) {
        StringBuilder b = new StringBuilder(s.length());
        boolean changed = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String rep = null;
            if (c == '\u3000') {
                rep = " ";
            } else if (c >= 0xFF01 && c < 0xFFF0) {
                rep = WIDTH_MAP[c - 0xFF01];
            }
            if (rep != null) {
                b.append(rep);
                changed = true;
            } else {
                b.append(c);
            }
        }
        return changed ? b.toString() : s;
    }

    private static String uncurlQuotes(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            char rep = 0;
            if (c >= '\u201c' && c <= '\u201f') {
                rep = '"';
            } else if (c == '\u02bc' || (c >= '\u2018' && c <= '\u201b')) {
                rep = '\'';
            }
            if (rep != 0) {
                if (b == null) {
                    b = new StringBuilder(s);
                }
                b.setCharAt(i, rep);
            }
        }
        return b == null ? s : b.toString();
    }

    private static String fixLineBreaks(String s) {
        return s.replace("\r\n", "\n").replace('\r', '\n').replace('\u2028', '\n').replace('\u2029', '\n')
                .replace('\u0085', '\n');
    }

    private static String fixSurrogates(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
                continue;
            }
            if (Character.isSurrogate(c)) {
                if (b == null) {
                    b = new StringBuilder(s);
                }
                b.setCharAt(i, '\ufffd');
            }
        }
        return b == null ? s : b.toString();
    }

    private static boolean isRemovedControl(char c) {
        return c <= 0x08 || c == 0x0b || (c >= 0x0e && c <= 0x1f) || c == 0x7f || (c >= 0x206a && c <= 0x206f)
                || c == 0xfeff || (c >= 0xfff9 && c <= 0xfffc);
    }

    private static String removeControlChars(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (isRemovedControl(c)) {
                if (b == null) {
                    b = new StringBuilder(s.length());
                    b.append(s, 0, i);
                }
            } else if (b != null) {
                b.append(c);
            }
        }
        return b == null ? s : b.toString();
    }

    /** Python's {@code str.isspace()} (also what {@code re}'s {@code \s} matches in str patterns). */
    static boolean pyIsSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x20) || cp == 0x85 || cp == 0xa0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f
                || cp == 0x3000;
    }

    static String pyStrip(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && pyIsSpace(s.charAt(start))) {
            start++;
        }
        while (end > start && pyIsSpace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(start, end);
    }

    /** {@code re.sub(r'\s+', ' ', s)}. */
    static String collapseWhitespace(String s) {
        StringBuilder b = new StringBuilder(s.length());
        boolean inSpace = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (pyIsSpace(c)) {
                if (!inSpace) {
                    b.append(' ');
                    inSpace = true;
                }
            } else {
                b.append(c);
                inSpace = false;
            }
        }
        return b.toString();
    }

    // ---------------------------------------------------------------- html.unescape

    private static final Pattern CHARREF = Pattern.compile(
            "&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\\t\\n\\f <&#;]{1,32};?)");

    /** Port of Python's {@code html.unescape} (all HTML5 named references, all numeric references). */
    public static String htmlUnescape(String s) {
        if (s.indexOf('&') < 0) {
            return s;
        }
        Matcher m = CHARREF.matcher(s);
        StringBuilder b = new StringBuilder(s.length());
        while (m.find()) {
            m.appendReplacement(b, Matcher.quoteReplacement(replaceCharref(m.group(1))));
        }
        m.appendTail(b);
        return b.toString();
    }

    private static final BigInteger MAX_CODE_POINT = BigInteger.valueOf(0x10FFFF);

    private static String replaceCharref(String s) {
        if (s.charAt(0) == '#') {
            String digits;
            int radix;
            if (s.charAt(1) == 'x' || s.charAt(1) == 'X') {
                digits = s.substring(2);
                radix = 16;
            } else {
                digits = s.substring(1);
                radix = 10;
            }
            if (digits.endsWith(";")) {
                digits = digits.substring(0, digits.length() - 1);
            }
            BigInteger big = new BigInteger(digits, radix);
            if (big.compareTo(MAX_CODE_POINT) > 0) {
                return "\ufffd";
            }
            int num = big.intValue();
            if (num == 0x00) {
                return "\ufffd";
            }
            if (num == 0x0d) {
                return "\r";
            }
            if (num >= 0x80 && num <= 0x9f) {
                return String.valueOf(CP1252_C1[num - 0x80]);
            }
            if (num >= 0xD800 && num <= 0xDFFF) {
                return "\ufffd";
            }
            if (isInvalidCodePoint(num)) {
                return "";
            }
            return new String(Character.toChars(num));
        }
        Map<String, String> html5 = Html5Entities.TABLE;
        String v = html5.get(s);
        if (v != null) {
            return v;
        }
        for (int x = s.length() - 1; x > 1; x--) {
            v = html5.get(s.substring(0, x));
            if (v != null) {
                return v + s.substring(x);
            }
        }
        return "&" + s;
    }

    private static boolean isInvalidCodePoint(int cp) {
        return (cp >= 0x1 && cp <= 0x8) || (cp >= 0xe && cp <= 0x1f) || (cp >= 0x7f && cp <= 0x9f)
                || (cp >= 0xfdd0 && cp <= 0xfdef) || cp == 0xb || (cp & 0xfffe) == 0xfffe;
    }

    /** Lazily loaded HTML5 entity table (name without '&' → text). */
    static final class Html5Entities {
        static final Map<String, String> TABLE = load();

        private static Map<String, String> load() {
            Map<String, String> map = new HashMap<>(4096);
            try (InputStream in = ClipTokenizer.class.getResourceAsStream("html5-entities.tsv")) {
                if (in == null) {
                    throw new IllegalStateException("resource html5-entities.tsv is missing");
                }
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("#") || line.isBlank()) {
                        continue;
                    }
                    int tab = line.indexOf('\t');
                    StringBuilder value = new StringBuilder();
                    for (String hex : line.substring(tab + 1).trim().split(" ")) {
                        value.appendCodePoint(Integer.parseInt(hex, 16));
                    }
                    map.put(line.substring(0, tab), value.toString());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Collections.unmodifiableMap(map);
        }
    }

    /** ftfy's own entity pass ({@code ftfy.fixes.unescape_html}). */
    static final class FtfyHtml {
        private static final Pattern ENTITY = Pattern.compile("&#?[0-9A-Za-z]{1,24};");
        static final Map<String, String> ENTITIES = build();

        private static Map<String, String> build() {
            Map<String, String> out = new HashMap<>(4096);
            for (Map.Entry<String, String> e : Html5Entities.TABLE.entrySet()) {
                String name = e.getKey();
                if (!name.endsWith(";")) {
                    continue;
                }
                out.put("&" + name, e.getValue());
                if (name.equals(name.toLowerCase(Locale.ROOT))) {
                    String upper = "&" + name.toUpperCase(Locale.ROOT);
                    if (htmlUnescape(upper).equals(upper)) {
                        out.put(upper, e.getValue().toUpperCase(Locale.ROOT));
                    }
                }
            }
            return Collections.unmodifiableMap(out);
        }

        static String unescape(String s) {
            if (s.indexOf('&') < 0) {
                return s;
            }
            Matcher m = ENTITY.matcher(s);
            StringBuilder b = new StringBuilder(s.length());
            while (m.find()) {
                String text = m.group();
                String rep = ENTITIES.get(text);
                if (rep == null) {
                    if (text.startsWith("&#")) {
                        String u = htmlUnescape(text);
                        rep = u.contains(";") ? text : u;
                    } else {
                        rep = text;
                    }
                }
                m.appendReplacement(b, Matcher.quoteReplacement(rep));
            }
            m.appendTail(b);
            return b.toString();
        }
    }
}
