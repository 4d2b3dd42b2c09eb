using System.Security.Cryptography;
using System.Text;

namespace Macha.Web.Security;

/// <summary>
/// A users or tokens file that is read at start and read again when its content changes. The file is
/// read at most once per <see cref="CheckInterval"/>, on the first use after it, and compared by digest.
/// </summary>
/// <remarks>
/// Polling on use instead of a file watcher works on every file system, including the ramfs of
/// systemd credentials, and costs one small read every few seconds while requests arrive. A file that
/// becomes malformed or disappears grants nothing until it is fixed, so that an edit meant to revoke
/// a token can never leave the token working.
/// </remarks>
internal sealed class ReloadingCredentialFile<T>
    where T : class
{
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(2);

    // A users or tokens file has a line per person or script; anything this large is the wrong file.
    private const int MaxFileBytes = 1024 * 1024;

    private readonly string _path;
    private readonly string _kind;
    private readonly Func<string, string, T> _parse;
    private readonly T _empty;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Lock _reloadLock = new();

    private volatile T _current;
    private byte[] _digest = [];
    private long _lastCheckTimestamp;

    public ReloadingCredentialFile(string path, string kind, Func<string, string, T> parse, T empty, TimeProvider timeProvider, ILogger logger)
    {
        _path = path;
        _kind = kind;
        _parse = parse;
        _empty = empty;
        _timeProvider = timeProvider;
        _logger = logger;
        _current = empty;
    }

    public string Path => _path;

    /// <summary>Reads and parses the file, throwing <see cref="CredentialFileException"/> when it is missing, unreadable or malformed.</summary>
    public void Load()
    {
        var bytes = Read();
        var parsed = Parse(bytes);
        lock (_reloadLock)
        {
            _current = parsed;
            _digest = SHA256.HashData(bytes);
            _lastCheckTimestamp = _timeProvider.GetTimestamp();
        }
    }

    /// <summary>Returns the current content, after reading the file again when the last check is older than <see cref="CheckInterval"/>.</summary>
    public T Current
    {
        get
        {
            if (_timeProvider.GetElapsedTime(Interlocked.Read(ref _lastCheckTimestamp)) >= CheckInterval)
            {
                CheckForChange();
            }

            return _current;
        }
    }

    private void CheckForChange()
    {
        // One caller reloads; the others go on with the content they have.
        if (!_reloadLock.TryEnter())
        {
            return;
        }

        try
        {
            Interlocked.Exchange(ref _lastCheckTimestamp, _timeProvider.GetTimestamp());
            byte[] bytes;
            try
            {
                bytes = Read();
            }
            catch (CredentialFileException exception)
            {
                if (_digest.Length != 0)
                {
                    CredentialLog.FileUnreadable(_logger, _kind, _path, exception.Message);
                }

                _current = _empty;
                _digest = [];
                return;
            }

            var digest = SHA256.HashData(bytes);
            if (digest.AsSpan().SequenceEqual(_digest))
            {
                return;
            }

            _digest = digest;
            try
            {
                _current = Parse(bytes);
                CredentialLog.FileReloaded(_logger, _kind, _path);
            }
            catch (CredentialFileException exception)
            {
                _current = _empty;
                CredentialLog.FileMalformed(_logger, _kind, _path, exception.Message);
            }
        }
        finally
        {
            _reloadLock.Exit();
        }
    }

    private byte[] Read()
    {
        try
        {
            var info = new FileInfo(_path);
            if (!info.Exists)
            {
                throw new CredentialFileException($"The {_kind} file {_path} was not found; create it or correct the path in {MachaAuthenticationOptions.SectionName}.");
            }

            if (info.Length > MaxFileBytes)
            {
                throw new CredentialFileException($"The {_kind} file {_path} is larger than {MaxFileBytes} bytes; check that the path names the right file.");
            }

            return File.ReadAllBytes(_path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new CredentialFileException($"The {_kind} file {_path} cannot be read: {exception.Message} Check its permissions.", exception);
        }
    }

    private T Parse(byte[] bytes)
    {
        string text;
        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException exception)
        {
            throw new CredentialFileException($"The {_kind} file {_path} is not valid UTF-8 text; check that the path names the right file.", exception);
        }

        return _parse(text.TrimStart('\uFEFF'), _path);
    }
}
