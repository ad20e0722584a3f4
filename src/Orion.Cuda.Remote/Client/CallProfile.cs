using System.Diagnostics;
using System.Text;
using Orion.Cuda.Protocol.Wire;

namespace Orion.Cuda.Remote.Client;

/// <summary>
/// How many calls of each kind a client sent, and for those that waited for the server's reply, how
/// long they waited: the profile that says what bounds a program through Orion (round trips, not
/// queued work). Counting is a few interlocked adds per call and allocates nothing; it is off
/// unless <see cref="RemoteCudaClientOptions.ProfileCalls"/> is set.
/// </summary>
internal sealed class CallProfile
{
    private const int Kinds = 1024;
    private readonly long[] _sent = new long[Kinds];
    private readonly long[] _waited = new long[Kinds];
    private readonly long[] _waitTicks = new long[Kinds];

    public void Sent(Opcode opcode)
    {
        if ((int)opcode < Kinds)
        {
            Interlocked.Increment(ref _sent[(int)opcode]);
        }
    }

    public void Waited(Opcode opcode, long ticks)
    {
        if ((int)opcode < Kinds)
        {
            Interlocked.Increment(ref _waited[(int)opcode]);
            Interlocked.Add(ref _waitTicks[(int)opcode], ticks);
        }
    }

    /// <summary>One line per kind of call sent, the most waited-for first.</summary>
    public string Report()
    {
        var rows = Enumerable.Range(0, Kinds).Where(kind => Volatile.Read(ref _sent[kind]) > 0)
            .OrderByDescending(kind => Volatile.Read(ref _waitTicks[kind])).ThenByDescending(kind => _sent[kind]);
        var text = new StringBuilder("orion call profile: call, sent, waited for a reply, total wait (ms), mean wait (us)\n");
        foreach (var kind in rows)
        {
            var waited = Volatile.Read(ref _waited[kind]);
            var milliseconds = Volatile.Read(ref _waitTicks[kind]) * 1000.0 / Stopwatch.Frequency;
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"  {(Opcode)kind,-28} {_sent[kind],9} {waited,9} {milliseconds,10:F1} {(waited == 0 ? 0 : milliseconds * 1000 / waited),9:F1}\n");
        }
        return text.ToString();
    }
}
