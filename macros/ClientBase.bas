Attribute VB_Name = "ClientBase"
' clientbase buttons: each runs one function of sync.buttons on this workbook through the
' xlwings add-in (RunPython). Import this module (Alt+F11 > File > Import File...), then assign
' the macros to buttons or to a custom ribbon group. See macros/README.md.
Option Explicit

Sub ClientBaseCheckNow()
    RunPython "import sync.buttons; sync.buttons.check_now()"
End Sub

Sub ClientBaseFindDuplicates()
    RunPython "import sync.buttons; sync.buttons.find_duplicates()"
End Sub

Sub ClientBaseRecomputeSegments()
    RunPython "import sync.buttons; sync.buttons.recompute_segments()"
End Sub

Sub ClientBaseMergeSelectedDuplicates()
    RunPython "import sync.buttons; sync.buttons.merge_selected_duplicates()"
End Sub

Sub ClientBaseClearHighlights()
    RunPython "import sync.buttons; sync.buttons.clear_highlights()"
End Sub

Sub ClientBaseFixFormats()
    RunPython "import sync.buttons; sync.buttons.fix_formats()"
End Sub
