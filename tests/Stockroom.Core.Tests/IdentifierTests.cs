using Stockroom.Core.Supply;

namespace Stockroom.Core.Tests;

public sealed class IdentifierTests
{
    [Theory]
    [InlineData("LAMP-1")]
    [InlineData("a")]
    [InlineData("shopify:1234.5_x")]
    [InlineData("0123456789012345678901234567890123456789012345678901234567890123")]
    public void Valid_identifiers(string value) => Assert.True(Identifier.IsValid(value));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("a b")]
    [InlineData("a/b")]
    [InlineData("é")]
    [InlineData("lamp?x=1")]
    [InlineData("01234567890123456789012345678901234567890123456789012345678901234")]
    public void Invalid_identifiers(string? value) => Assert.False(Identifier.IsValid(value));

    [Fact]
    public void Position_keys_order_ordinally_by_sku_then_location()
    {
        PositionKey[] keys = [new("b", "a"), new("B", "z"), new("a", "b"), new("a", "B")];
        Assert.Equal([new("B", "z"), new("a", "B"), new("a", "b"), new("b", "a")], keys.Order());
    }
}
