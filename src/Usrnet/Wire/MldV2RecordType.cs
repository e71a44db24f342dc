namespace Usrnet.Wire;

/// <summary>Multicast address record types of an MLDv2 report (RFC 3810 §5.2.12).</summary>
internal enum MldV2RecordType : byte
{
    /// <summary>MODE_IS_INCLUDE: current state, include mode (answers a query).</summary>
    ModeIsInclude = 1,
    /// <summary>MODE_IS_EXCLUDE: current state, exclude mode; with no sources, "listening to all" (answers a query).</summary>
    ModeIsExclude = 2,
    /// <summary>CHANGE_TO_INCLUDE_MODE: with no sources, the listener left the group.</summary>
    ChangeToInclude = 3,
    /// <summary>CHANGE_TO_EXCLUDE_MODE: with no sources, the listener joined the group.</summary>
    ChangeToExclude = 4,
    /// <summary>ALLOW_NEW_SOURCES.</summary>
    AllowNewSources = 5,
    /// <summary>BLOCK_OLD_SOURCES.</summary>
    BlockOldSources = 6,
}
