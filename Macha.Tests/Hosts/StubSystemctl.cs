namespace Macha.Tests.Hosts;

/// <summary>
/// Shell scripts that stand in for systemctl on SSH test hosts, whose PID 1 is not systemd. They
/// print what systemd 252 prints for the commands the collectors and the executor run.
/// </summary>
internal static class StubSystemctl
{
    /// <summary>
    /// A host where <paramref name="unit"/> has failed until someone runs <c>systemctl restart</c> on
    /// it; the restart creates <c>restarted</c> in <paramref name="stateDirectory"/>.
    /// </summary>
    public static string WithFailedUnit(string unit, string stateDirectory) => $$"""
        #!/bin/sh
        state='{{stateDirectory}}'
        case " $* " in
          *" restart -- {{unit}} "*) touch "$state/restarted"; exit 0 ;;
          *" is-active -- {{unit}} "*)
            if [ -e "$state/restarted" ]; then echo active; exit 0; else echo failed; exit 3; fi ;;
          *" --failed "*)
            if [ -e "$state/restarted" ]; then echo '[]'; else
              echo '[{"unit":"{{unit}}","load":"loaded","active":"failed","sub":"failed","description":"Test unit"}]'
            fi; exit 0 ;;
          *" list-units "*) echo '[]'; exit 0 ;;
          *" is-system-running "*)
            if [ -e "$state/restarted" ]; then echo running; exit 0; else echo degraded; exit 1; fi ;;
          *" show "*) printf 'Id={{unit}}\nResult=exit-code\nExecMainStatus=1\n'; exit 0 ;;
        esac
        exit 0
        """;

    /// <summary>A healthy host: no failed units and a running system.</summary>
    public const string Healthy = """
        #!/bin/sh
        case " $* " in
          *" list-units "*) echo '[]'; exit 0 ;;
          *" is-system-running "*) echo running; exit 0 ;;
        esac
        exit 0
        """;

    /// <summary>
    /// A host that goes down while the systemd collector runs: the stub kills the sshd listener
    /// (PID in <paramref name="pidFile"/>) and the session it runs in, by PID.
    /// </summary>
    public static string GoesDown(string pidFile) => $$"""
        #!/bin/sh
        # Macha runs commands under the remote timeout, whose parent is the sshd session process.
        session=$PPID
        if [ "$(cat /proc/$session/comm)" = timeout ]; then session=$(cut -d ' ' -f 4 /proc/$session/stat); fi
        kill -9 "$(cat '{{pidFile}}')" "$session"
        sleep 5
        exit 1
        """;
}
