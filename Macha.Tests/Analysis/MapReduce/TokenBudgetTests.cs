using System.Text;
using Macha.Core.Analysis.MapReduce;
using Xunit.Abstractions;

namespace Macha.Tests.Analysis.MapReduce;

public sealed class TokenBudgetTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("a", 1)]
    [InlineData("abc", 1)]
    [InlineData("abcd", 2)]
    [InlineData("systemd", 3)]
    [InlineData("12:30.", 6)]
    [InlineData("a b", 3)]
    [InlineData("é", 2)]
    [InlineData("€", 3)]
    [InlineData("😀", 4)]
    [InlineData("\n\t", 2)]
    public void Estimate_Text_FollowsRule(string text, int expected)
    {
        Assert.Equal(expected, TokenBudget.Estimate(text));
    }

    [Fact]
    public void Estimate_SampleSystemLogs_AtLeastPessimisticTokenizerModel()
    {
        foreach (var (name, text) in SampleLogs())
        {
            var estimate = TokenBudget.Estimate(text);
            var reference = PessimisticTokenizerModel(text);
            var bytes = Encoding.UTF8.GetByteCount(text);
            output.WriteLine($"{name}: {bytes} bytes, estimate {estimate}, model {reference}, bytes/3 {(bytes + 2) / 3}, estimate/model {(double)estimate / reference:0.00}");

            Assert.True(estimate >= reference, $"{name}: estimate {estimate} is below the tokenizer model's {reference}");
        }
    }

    [Fact]
    public void Estimate_EveryLineOfSampleLogs_AtLeastPessimisticTokenizerModel()
    {
        var lines = SampleLogs().SelectMany(sample => sample.Text.Split('\n'));

        var under = lines.Where(line => TokenBudget.Estimate(line) < PessimisticTokenizerModel(line)).ToList();

        Assert.Empty(under);
    }

    [Fact]
    public void BytesOverThree_JournalLine_UnderCountsTokenizerModel()
    {
        // Why the estimate is not bytes / 3: every digit of a timestamp or PID is a token of its own
        // in Qwen's tokenizer, so this line needs more than a third of its bytes.
        const string line = "Dec 04 10:15:32 web1 kernel: [12345.678901] usb 1-1: new high-speed USB device number 2 using xhci_hcd";

        var bytesOverThree = (Encoding.UTF8.GetByteCount(line) + 2) / 3;

        Assert.True(bytesOverThree < PessimisticTokenizerModel(line));
    }

    [Theory]
    [InlineData(2048)]
    [InlineData(8192)]
    [InlineData(131072)]
    public void Create_ValidContext_SplitsIntoParts(int contextTokens)
    {
        var budget = TokenBudget.Create(contextTokens, 512, 300);

        Assert.Equal(contextTokens, budget.ChunkTokens + budget.AnswerTokens + budget.FixedPromptTokens + budget.MarginTokens);
        Assert.Equal(contextTokens / 16, budget.MarginTokens);
        Assert.Equal(budget.ChunkTokens + budget.FixedPromptTokens, budget.MaxPromptTokens);
    }

    [Fact]
    public void Create_ContextTooSmall_ThrowsNamingSettings()
    {
        var exception = Assert.Throws<OutputReductionException>(() => TokenBudget.Create(1024, 512, 300));

        Assert.Contains("Macha:Analysis:ContextTokens", exception.Message, StringComparison.Ordinal);
        Assert.Contains("Macha:Analysis:MapReduce:AnswerTokens", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(100)]
    public void CutToTokens_LongText_FitsLimit(int maxTokens)
    {
        var text = string.Concat(Enumerable.Repeat("Dec 04 nginx[12]: failed é€😀 ", 50));

        var cut = TokenBudget.CutToTokens(text, maxTokens);

        Assert.True(TokenBudget.Estimate(cut) <= maxTokens);
        Assert.True(TokenBudget.Estimate(text.AsSpan(0, cut.Length + 1)) > maxTokens || char.IsHighSurrogate(text[cut.Length]));
    }

    [Fact]
    public void CutToTokens_SurrogatePairAtLimit_KeepsPairWhole()
    {
        var cut = TokenBudget.CutToTokens("ab😀", 3);

        Assert.Equal("ab", cut);
    }

    /// <summary>
    /// A pessimistic model of the BPE tokenizers of the models Ollama serves (Qwen 2 and 3, Llama 3).
    /// Their pre-tokenizers split digits off (Qwen one per token, Llama 3 up to three), split
    /// punctuation from letters and attach one leading space to a word. Their vocabularies contain
    /// common words and nearly all pieces of up to three letters. So the model charges: a run of n ASCII letters,
    /// with one space before it, ceil(n / 3); every digit, punctuation char and other whitespace
    /// char 1; every non-ASCII char 1 per UTF-8 byte (byte fallback). Real tokenizers merge more
    /// (a dictionary word is one token), so they need fewer tokens than this model on most text.
    /// </summary>
    private static int PessimisticTokenizerModel(string text)
    {
        var tokens = 0;
        var i = 0;
        while (i < text.Length)
        {
            var start = text[i] == ' ' && i + 1 < text.Length && char.IsAsciiLetter(text[i + 1]) ? i + 1 : i;
            if (char.IsAsciiLetter(text[start]))
            {
                var end = start;
                while (end < text.Length && char.IsAsciiLetter(text[end]))
                {
                    end++;
                }

                tokens += (end - start + 2) / 3;
                i = end;
            }
            else if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                tokens += 4;
                i += 2;
            }
            else
            {
                tokens += text[i] < 0x80 ? 1 : Encoding.UTF8.GetByteCount(text.AsSpan(i, 1));
                i++;
            }
        }

        return tokens;
    }

    private static IEnumerable<(string Name, string Text)> SampleLogs()
    {
        var root = Path.Combine(AppContext.BaseDirectory, "TestData");
        var files = Directory.GetFiles(Path.Combine(root, "cases"), "*.txt")
            .Concat(Directory.GetFiles(Path.Combine(root, "journal"), "*.export"))
            .Order(StringComparer.Ordinal);
        foreach (var file in files)
        {
            yield return (Path.GetFileName(file), File.ReadAllText(file));
        }
    }
}
