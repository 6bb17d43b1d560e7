// The Windows service host of the Cordon agent. Node cannot answer the service control manager by itself, so this
// small ServiceBase runs `node.exe app\cordon.mjs agent` (the self-contained runtime beside it, resources\agent)
// as a child under LocalSystem, restarts it when it exits, and stops it when the service stops. The installer
// compiles it with the C# compiler of the .NET Framework that ships with Windows (no download, no third-party
// wrapper). The status-pipe clients accept the child because its parent is this service's process.
using System;
using System.Diagnostics;
using System.IO;
using System.ServiceProcess;
using System.Threading;

public sealed class CordonAgentService : ServiceBase
{
    private readonly object gate = new object();
    private Process child;
    private volatile bool stopping;

    public CordonAgentService()
    {
        ServiceName = "CordonAgent";
        CanStop = true;
        CanShutdown = true;
        AutoLog = true;
    }

    private static string Here { get { return AppDomain.CurrentDomain.BaseDirectory; } }

    protected override void OnStart(string[] args)
    {
        var supervisor = new Thread(Supervise);
        supervisor.IsBackground = true;
        supervisor.Start();
    }

    private void Supervise()
    {
        int quickExits = 0;
        while (!stopping)
        {
            var start = new ProcessStartInfo(Path.Combine(Here, "node.exe"), "\"" + Path.Combine(Path.Combine(Here, "app"), "cordon.mjs") + "\" agent");
            start.UseShellExecute = false;
            start.CreateNoWindow = true;
            start.WorkingDirectory = Here;
            DateTime startedAt = DateTime.UtcNow;
            try
            {
                lock (gate) { if (stopping) break; child = Process.Start(start); }
                child.WaitForExit();
                if (!stopping) EventLog.WriteEntry("the agent exited with code " + child.ExitCode + "; restarting it", EventLogEntryType.Warning);
            }
            catch (Exception e)
            {
                EventLog.WriteEntry("cannot start the agent: " + e.Message, EventLogEntryType.Error);
            }
            if (stopping) break;
            // Back off when it keeps dying at start (a broken config), up to a minute; a long run resets it.
            quickExits = (DateTime.UtcNow - startedAt).TotalMinutes > 5 ? 0 : Math.Min(quickExits + 1, 6);
            Thread.Sleep(Math.Min(60000, 1000 << quickExits));
        }
    }

    protected override void OnStop()
    {
        stopping = true;
        lock (gate)
        {
            try
            {
                if (child != null && !child.HasExited)
                {
                    child.Kill();
                    child.WaitForExit(10000);
                }
            }
            catch (Exception) { }
        }
    }

    protected override void OnShutdown() { OnStop(); }

    public static void Main() { ServiceBase.Run(new CordonAgentService()); }
}
