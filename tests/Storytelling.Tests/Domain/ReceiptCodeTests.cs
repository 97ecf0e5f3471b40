using Storytelling.Core.Projects;
using Storytelling.Core.Stories;

namespace Storytelling.Tests.Domain;

public sealed class ReceiptCodeTests
{
    [Fact]
    public void Codes_are_two_groups_of_four_without_look_alike_characters_and_do_not_repeat()
    {
        var codes = Enumerable.Range(0, 5000).Select(_ => ReceiptCode.New()).ToList();
        Assert.All(codes, c =>
        {
            Assert.Matches("^[346789ACDEFGHJKMNPQRTUVWXY]{4}-[346789ACDEFGHJKMNPQRTUVWXY]{4}$", c);
            Assert.Equal(c, ReceiptCode.Normalize(c));
        });
        Assert.Equal(codes.Count, codes.Distinct().Count());
    }

    [Theory]
    [InlineData("k7qm-4txp", "K7QM-4TXP")]
    [InlineData(" K7QM 4TXP ", "K7QM-4TXP")]
    [InlineData("K7QM4TXP", "K7QM-4TXP")]
    public void What_people_type_is_accepted(string typed, string expected) => Assert.Equal(expected, ReceiptCode.Normalize(typed));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("K7QM-4TX")]
    [InlineData("K7QM-4TXPP")]
    [InlineData("K0QM-4TXP")]
    [InlineData("'; DROP TABLE Stories;--")]
    [InlineData("ك٧QM-4TXP")]
    public void Anything_else_is_not_a_code(string? typed) => Assert.Null(ReceiptCode.Normalize(typed));
}

public sealed class InvitationTokenTests
{
    [Fact]
    public void Tokens_are_url_safe_unguessable_and_only_their_hash_is_kept()
    {
        var token = InvitationTokens.New();
        Assert.True(InvitationTokens.LooksValid(token));
        Assert.Matches("^[A-Za-z0-9_-]{43}$", token);
        var hash = InvitationTokens.Hash(token);
        Assert.Equal(64, hash.Length);
        Assert.DoesNotContain(token, hash);
        Assert.NotEqual(token, InvitationTokens.New());
    }
}
