namespace Macha.Core.Analysis.MapReduce;

/// <summary>
/// A conservative token estimate, and the split of the context window (num_ctx) into room for the
/// fixed parts of a prompt, the quoted data, the answer and a margin.
/// </summary>
/// <remarks>
/// <para>
/// The estimate counts, for each char of the text: 1 token per started group of 3 letters in a run
/// of ASCII letters (so a run of n letters costs ceil(n / 3)); 1 token for every other ASCII char
/// (digit, punctuation, space, tab, newline); and 1 token per UTF-8 byte of every other char.
/// </para>
/// <para>
/// Why not bytes / 3: the BPE tokenizers of the models Ollama serves split digits from letters, and
/// Qwen's puts every digit in a token of its own, so a journal line full of timestamps, PIDs and
/// addresses costs more tokens than a third of its bytes. The rule above charges a full token for
/// each digit and punctuation char and for each space, which BPE merges into the following word,
/// and a third of a token per letter, while dictionary words are one token. It over-counts English
/// and code by about two to three times. NOTE: random letter strings (base64, hashes) can tokenize
/// at two letters per token, which this rule under-counts; the margin and the full token charged
/// for their digits and punctuation cover that on typical logs, but nothing checks it against a
/// real tokenizer here.
/// </para>
/// </remarks>
internal sealed record TokenBudget
{
    /// <summary>Chat-template tokens per message (role markers, separators), as an upper estimate.</summary>
    public const int MessageOverheadTokens = 8;

    /// <summary>The least room for data that makes a chunk worth a model call.</summary>
    public const int MinimumChunkTokens = 256;

    private TokenBudget(int contextTokens, int answerTokens, int fixedPromptTokens, int marginTokens)
    {
        ContextTokens = contextTokens;
        AnswerTokens = answerTokens;
        FixedPromptTokens = fixedPromptTokens;
        MarginTokens = marginTokens;
    }

    /// <summary>The context window, num_ctx: prompt and answer together must fit it.</summary>
    public int ContextTokens { get; }

    /// <summary>Tokens reserved for the answer, sent as num_predict.</summary>
    public int AnswerTokens { get; }

    /// <summary>Estimate of everything in a prompt except the quoted data: system prompt, question, frame, template.</summary>
    public int FixedPromptTokens { get; }

    /// <summary>A sixteenth of the context, kept free against estimation error and longer chat templates.</summary>
    public int MarginTokens { get; }

    /// <summary>Room for the quoted data in one prompt, by the estimate.</summary>
    public int ChunkTokens => ContextTokens - AnswerTokens - FixedPromptTokens - MarginTokens;

    /// <summary>The largest estimated prompt, all messages and their template tokens, that leaves room for the answer.</summary>
    public int MaxPromptTokens => ContextTokens - AnswerTokens - MarginTokens;

    /// <summary>
    /// Splits <paramref name="contextTokens"/>. Throws when the data would get less than
    /// <see cref="MinimumChunkTokens"/>, with a message that names the settings to change.
    /// </summary>
    public static TokenBudget Create(int contextTokens, int answerTokens, int fixedPromptTokens)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(contextTokens);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(answerTokens);
        ArgumentOutOfRangeException.ThrowIfNegative(fixedPromptTokens);

        var budget = new TokenBudget(contextTokens, answerTokens, fixedPromptTokens, contextTokens / 16);
        if (budget.ChunkTokens < MinimumChunkTokens)
        {
            throw new OutputReductionException(
                $"Macha:Analysis:ContextTokens ({contextTokens}) leaves {budget.ChunkTokens} tokens for output text after the "
                + $"fixed prompt and question ({fixedPromptTokens}), the answer (Macha:Analysis:MapReduce:AnswerTokens = {answerTokens}) "
                + $"and the margin ({budget.MarginTokens}); at least {MinimumChunkTokens} are needed. Raise ContextTokens, "
                + "lower AnswerTokens or shorten the question.");
        }

        return budget;
    }

    /// <summary>Estimates the tokens of <paramref name="text"/> by the rule in the remarks; never less than the rule.</summary>
    public static int Estimate(ReadOnlySpan<char> text)
    {
        var tally = default(TokenTally);
        foreach (var c in text)
        {
            tally.Add(c);
        }

        return tally.Tokens;
    }

    /// <summary>
    /// Returns the longest start of <paramref name="text"/> whose estimate is at most
    /// <paramref name="maxTokens"/>; the whole text when it fits.
    /// </summary>
    public static string CutToTokens(string text, int maxTokens)
    {
        ArgumentNullException.ThrowIfNull(text);

        var tally = default(TokenTally);
        for (var i = 0; i < text.Length; i++)
        {
            if (tally.Tokens + tally.CostOf(text[i]) > maxTokens)
            {
                var end = i > 0 && char.IsHighSurrogate(text[i - 1]) ? i - 1 : i;
                return text[..end];
            }

            tally.Add(text[i]);
        }

        return text;
    }

    /// <summary>Running estimate over a text read one char at a time.</summary>
    internal struct TokenTally
    {
        private int _letterRun;
        private bool _afterHighSurrogate;

        public int Tokens { get; private set; }

        public readonly int CostOf(char c)
        {
            if (char.IsAsciiLetter(c))
            {
                return _letterRun % 3 == 0 ? 1 : 0;
            }

            if (c < 0x80)
            {
                return 1;
            }

            if (char.IsLowSurrogate(c) && _afterHighSurrogate)
            {
                // The high surrogate already paid for the pair's four UTF-8 bytes.
                return 0;
            }

            // A lone surrogate is charged the most a UTF-8 sequence can take.
            if (char.IsSurrogate(c))
            {
                return 4;
            }

            return c < 0x800 ? 2 : 3;
        }

        public void Add(char c)
        {
            Tokens += CostOf(c);
            _letterRun = char.IsAsciiLetter(c) ? _letterRun + 1 : 0;
            _afterHighSurrogate = char.IsHighSurrogate(c);
        }
    }
}
