namespace GoMicro.Architecture.Tests.Deployment;

/// <summary>Reads files of this repository, found by walking up from the test binaries to <c>GoMicro.sln</c>.</summary>
internal static class RepositoryFiles
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    public static string Root => LazyRoot.Value;

    public static string Path(string relativePath) =>
        System.IO.Path.Combine(Root, relativePath.Replace('/', System.IO.Path.DirectorySeparatorChar));

    public static string ReadText(string relativePath) => File.ReadAllText(Path(relativePath));

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "GoMicro.sln")))
                return directory.FullName;
        }
        throw new InvalidOperationException($"No GoMicro.sln above {AppContext.BaseDirectory}");
    }
}
