namespace Engine.Cli;

/// <summary>A problem the user can fix (a bad argument, a missing path, unusable data): printed
/// without a stack trace, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
