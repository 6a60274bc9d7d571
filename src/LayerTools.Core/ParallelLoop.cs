using System.Runtime.ExceptionServices;

namespace LayerTools.Core;

/// <summary>
/// <see cref="Parallel.For(int, int, ParallelOptions, Action{int})"/> whose failure surfaces as the
/// body's own exception, as a sequential loop's would, instead of wrapped in an AggregateException
/// (whose type would become the error id a user sees, with the real message one level down). When
/// several iterations failed, the first one the loop gathered is thrown.
/// </summary>
internal static class ParallelLoop
{
    public static void For(int fromInclusive, int toExclusive, ParallelOptions options, Action<int> body)
    {
        try
        {
            Parallel.For(fromInclusive, toExclusive, options, body);
        }
        catch (AggregateException ex) when (ex.Flatten().InnerExceptions.Count > 0)
        {
            ExceptionDispatchInfo.Throw(ex.Flatten().InnerExceptions[0]);
        }
    }
}
