using Engine.Layers;
using Engine.Models;

namespace Engine.Tests.Models;

public class SeedCnnFactoryTests
{
    [Theory]
    [InlineData(1, 28, 10, 93_322)]
    [InlineData(3, 64, 10, 646_858)]
    public void SameParametersAsTheKerasPort(int channels, int size, int classes, long expected)
    {
        using var ready = SeedCnn.Build(channels, size, classes, rescale: 1.0 / 255);
        using var ported = SeedModels.BasicCnn([channels, size, size], classes);
        Assert.Equal(expected, ready.CountParams());
        Assert.Equal(ported.CountParams(), ready.CountParams());
        Assert.IsType<Rescaling>(ready.Layers[0]);
        Assert.Null(((Dense)ready.Layers[^1]).Activation);
    }
}
