namespace KmLab.Twins.ApiManager;

/// <summary>APIM 4.7.0 keeps a Key Manager's masked connector properties (the IS 7 connector's Password) encrypted in
/// its database and decrypts them whenever it reads the configuration back (carbon-apimgt APIAdminImpl
/// encryptKeyManagerConfigurationValues / decryptKeyManagerConfigurationValues, docs/twins.md).</summary>
internal sealed partial class ApiManagerTwin
{
    /// <summary>The Key Manager as the database holds it: masked values encrypted (4.7.0+; as given before).</summary>
    private KeyManager EncryptedForStore(KeyManager keyManager)
    {
        if (_crypto is null || keyManager.AdditionalProperties is not { } properties) return keyManager;
        var copy = properties.DeepClone().AsObject();
        foreach (var name in ConnectorCatalog.Masked(keyManager.Type ?? "", _version))
            if (copy[name] is JsonValue v && v.TryGetValue<string>(out var plain) && plain.Length > 0 && !InternalCrypto.IsEncrypted(plain))
                copy[name] = _crypto.Encrypt(plain);
        return keyManager with { AdditionalProperties = copy };
    }

    /// <summary>A connection property as the connector gets it: decrypted.</summary>
    private string? PlainProperty(KeyManager keyManager, string name)
    {
        var value = (string?)keyManager.AdditionalProperties?[name];
        return value is null || _crypto is null ? value : _crypto.TryDecrypt(value);
    }

    /// <summary>Whether every masked value of the stored Key Manager opens with this start's key.</summary>
    private bool Decrypts(KeyManager keyManager) =>
        _crypto is null || ConnectorCatalog.Masked(keyManager.Type ?? "", _version)
            .All(name => (string?)keyManager.AdditionalProperties?[name] is not { } value || _crypto.TryDecrypt(value) is not null);

    /// <summary>At start, the runtime loads every Key Manager through the decrypting read; one that this key cannot
    /// open throws there, so it never reaches the runtime (and every later read of it fails the same way).</summary>
    private void CheckStoredSecrets()
    {
        foreach (var stored in _state.KeyManagers.Where(k => !Decrypts(k.Value)))
        {
            stored.Undecryptable = true;
            LogDecryptionFailure(stored.Value.Name);
        }
    }

    private void LogDecryptionFailure(string? name)
    {
        _context.Log.Error(AdminLogger, $"{ApimFacts.DecryptionFailed} (Key Manager {name})");
        _context.Log.Line($"org.wso2.carbon.crypto.api.CryptoException: {ApimFacts.GcmDecryptionFailed}");
        _context.Log.Line("Caused by: javax.crypto.AEADBadTagException: Tag mismatch");
    }

    /// <summary>The APIManagementException without an error code reaches the REST layer as the generic 500.</summary>
    private IResult DecryptionFailure(string? name)
    {
        LogDecryptionFailure(name);
        return InternalServerError();
    }
}
